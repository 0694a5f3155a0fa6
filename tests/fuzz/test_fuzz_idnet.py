"""Fuzz the idnet reader (``parc.loaders.idnet``) and the checks over what it reads (issue 13): the example
organization's iam/ lists, describe-instances and metadata defaults, mutated structurally (a value replaced, deleted,
duplicated, nested deep, wrapped) and byte-wise.

Nothing raises; a present file that could not be read is never a pass (its part is None with a reason, so the
check says "not checked"); every problem is located in the file it is about.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st
from snapshot_mutations import bytewise, structural

from parc.core.audit.compute import compute_checks
from parc.core.audit.identity_extra import certificate_checks
from parc.loaders.idnet import CERTIFICATES, INSTANCES, METADATA_DEFAULTS, VIRTUAL_MFA, load_idnet

PROD = Path(__file__).resolve().parents[2] / "examples" / "org" / "444455556666"
FILES = {VIRTUAL_MFA: PROD / VIRTUAL_MFA, CERTIFICATES: PROD / CERTIFICATES, INSTANCES: PROD / INSTANCES,
         f"ec2/us-east-1/{METADATA_DEFAULTS}": PROD / "ec2" / "us-east-1" / METADATA_DEFAULTS}
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(FILES)))
    text = FILES[name].read_text()
    if draw(st.booleans()):
        doc, _, _, _ = draw(structural(json.loads(text)))
        return name, json.dumps(doc)
    return name, draw(bytewise(text))


@fuzz
@given(mutated())
def test_idnet_reader_never_raises_and_never_passes_unread_input(case: tuple[str, str]) -> None:
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(text.encode("utf-8", "surrogateescape"))
        inputs, problems = load_idnet(folder)
        for p in problems:
            assert p.file and Path(p.file).name == Path(name).name, p
        part = {VIRTUAL_MFA: inputs.virtual_mfa, CERTIFICATES: inputs.certificates, INSTANCES: inputs.instances}.get(
            name, inputs.metadata_defaults)
        if part is None:  # not read: the reason names the file, and the check says "not checked"
            reason = {VIRTUAL_MFA: inputs.virtual_mfa_missing, CERTIFICATES: inputs.certificates_missing,
                      INSTANCES: inputs.instances_missing}.get(name, inputs.metadata_defaults_missing)
            assert reason
        certificate_checks("444455556666", inputs, NOW)
        result = compute_checks("444455556666", inputs)
        if name == INSTANCES and inputs.instances is None:
            assert any(n.check.startswith("compute: instance") for n in result.not_checked)
