"""Fuzz the template readers (issue 19: every reader added later): CloudFormation (JSON, YAML with its tags, cdk
synth output), Terraform plan JSON and .tf files, each mutated byte-wise and read as ``parc validate`` reads it. No
exception may escape the reader: whatever it cannot read is a located finding (and makes validate exit 2)."""

from __future__ import annotations

from pathlib import Path

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st
from mutations import byte_mutated

from parc.cli.validate_iac import CLOUDFORMATION, TERRAFORM, TERRAFORM_SOURCE, check_source
from parc.loaders.policy_files import PolicySource

TEMPLATES = Path(__file__).resolve().parents[1] / "iac" / "templates"
KINDS = {".yaml": CLOUDFORMATION, ".tf": TERRAFORM_SOURCE}
SEEDS = sorted(
    (p.name, KINDS.get(p.suffix, TERRAFORM if p.name.startswith("plan") else CLOUDFORMATION), p.read_text())
    for p in TEMPLATES.iterdir() if p.is_file())


def test_the_seeds_cover_every_reader() -> None:
    assert {kind for _, kind, _ in SEEDS} == {CLOUDFORMATION, TERRAFORM, TERRAFORM_SOURCE}


@fuzz
@given(st.sampled_from(SEEDS).flatmap(lambda seed: st.tuples(st.just(seed), byte_mutated(seed[2]))))
def test_fuzz_mutated_templates_are_read_or_reported(case: tuple[tuple[str, str, str], bytes]) -> None:
    (name, kind, _), data = case
    text = data.decode("utf-8", errors="replace")
    report = check_source(PolicySource(name, text), kind, {}, None)
    if report is None:  # a YAML file that is not a template: skipped and counted, as validate does in folders
        return
    for f in report.findings:
        assert f.code and f.message
        if f.position is not None:
            assert f.position.line >= 1
