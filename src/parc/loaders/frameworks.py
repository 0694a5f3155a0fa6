"""The compliance frameworks' mapping (``parc/core/audit/frameworks/cis-aws.json``, shipped in the package) and what
each account folder of a snapshot holds, for ``parc.core.audit.framework``'s PASS / FAIL / NOT CHECKED answers.

The mapping is read once per process. A mapping that does not parse is a bug of parc, not of the user's input: it
raises ``MappingError`` (the tests read the shipped file, so it cannot ship broken).
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path

from parc.core.audit.framework import AccountFiles, Framework, parse_mapping
from parc.core.audit.inputs import AuditInput

MAPPING = "frameworks/cis-aws.json"
MAX_FILES = 200_000
"""A folder walk stops there (a snapshot of that size is not an account folder): what is past it counts as absent,
so a control that needs it is NOT CHECKED, never PASS."""


def mapping_text() -> str:
    return resources.files("parc.core.audit").joinpath(MAPPING).read_text(encoding="utf-8")


@cache
def load_frameworks() -> tuple[Framework, ...]:
    """Every framework of the shipped mapping (``cis-aws-7.0``, ``cis-aws-6.0``)."""
    return parse_mapping(json.loads(mapping_text()))


def framework_ids() -> tuple[str, ...]:
    return tuple(fw.id for fw in load_frameworks())


def account_files(inputs: AuditInput) -> tuple[AccountFiles, ...]:
    """The files of each account folder, as paths relative to it (``cloudtrail/us-east-1/describe-trails.json``)."""
    out = []
    for a in inputs.accounts:
        root = Path(a.folder)
        found: set[str] = set()
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                found.add(Path(dirpath, name).relative_to(root).as_posix())
            if len(found) > MAX_FILES:
                break
        out.append(AccountFiles(a.account_id, frozenset(found)))
    return tuple(out)
