"""Property: validate() never raises, whatever a valid policy is mutated into.

Mutations: drop, duplicate or retype elements, change strings, nest values; applied at random depths of valid
policies of every type. Each result must be a ValidationResult whose findings are well formed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from parc.core.findings import Finding, FindingType
from parc.core.lint import validate
from parc.core.policy.model import PolicyType

V = "2012-10-17"
SEEDS: list[dict[str, Any]] = [
    {
        "Version": V,
        "Statement": [
            {
                "Sid": "A",
                "Effect": "Allow",
                "Action": ["s3:Get*", "s3:GetObject"],
                "Resource": "arn:aws:s3:::b/${aws:username}/*",
            }
        ],
    },
    {
        "Version": V,
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": ["111122223333", "*"]},
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
        },
    },
    {
        "Version": V,
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    },
    {
        "Version": V,
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {
                    "ForAnyValue:StringNotEqualsIfExists": {"aws:PrincipalOrgPaths": ["o-a/r-b/*"]},
                    "Null": {"aws:SourceIp": "false"},
                },
            }
        ],
    },
    {
        "Version": V,
        "Statement": [
            {"Effect": "Allow", "NotAction": "iam:*", "NotResource": ["arn:aws:iam::*:role/x"]},
            {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "*", "Resource": "*"},
        ],
    },
]
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "*",
            "${",
            "${}",
            "${aws:username",
            "${a, b}",
            "arn:aws:iam::*:role/*",
            "iam:PassRole",
            "Allow",
            "Deny",
            "*.*",
            "",
            "\u0000",
            "%7B",
        ]
    ),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [
    "Version",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "AWS",
    "Service",
    "Id",
]


def _containers(doc: Any, out: list[Any]) -> list[Any]:
    if isinstance(doc, (dict, list)):
        out.append(doc)
        for v in doc.values() if isinstance(doc, dict) else doc:
            _containers(v, out)
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Any, PolicyType]:
    doc: Any = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        targets = _containers(doc, [])
        if not targets:
            break
        target = draw(st.sampled_from(targets))
        op = draw(st.sampled_from(["drop", "duplicate", "retype", "string", "nest", "add", "wrap_root"]))
        if isinstance(target, dict):
            keys = list(target)
            if op == "add" or not keys:
                target[draw(st.sampled_from(KEYS))] = draw(JSON_VALUES)
                continue
            k = draw(st.sampled_from(keys))
            if op == "drop":
                del target[k]
            elif op == "duplicate":
                target[k + "_"] = copy.deepcopy(target[k])
                target[k.lower()] = copy.deepcopy(target[k])
            elif op == "retype":
                target[k] = draw(JSON_VALUES)
            elif op == "string":
                target[k] = draw(st.text(max_size=20))
            elif op == "nest":
                target[k] = [target[k], {k: target[k]}]
            else:
                doc = [doc] if draw(st.booleans()) else {"Statement": doc}
        else:
            if op == "drop" and target:
                target.pop(draw(st.integers(0, len(target) - 1)))
            elif op == "duplicate" and target:
                target.append(copy.deepcopy(target[0]))
            elif op in ("retype", "string", "add") or not target:
                target.append(draw(JSON_VALUES))
            else:
                target[0] = [target[0]]
    return doc, draw(st.sampled_from(list(PolicyType)))


def _well_formed(f: Finding) -> None:
    assert f.code and f.code.upper() == f.code
    assert isinstance(f.finding_type, FindingType)
    assert f.message
    assert f.line is None or f.line >= 1


@settings(max_examples=400, deadline=None)
@given(case=mutated(), as_text=st.booleans(), infer=st.booleans())
def test_validate_never_raises(case: tuple[Any, PolicyType], as_text: bool, infer: bool) -> None:
    doc, ptype = case
    source: Any = json.dumps(doc) if as_text or not isinstance(doc, dict) else doc
    result = validate(source, None if infer else ptype)
    for f in result.findings:
        _well_formed(f)
    assert not any(f.code == "INTERNAL_ERROR" for f in result.findings), [f.message for f in result.findings]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_validate_never_raises_on_arbitrary_text(text: str) -> None:
    result = validate(text)
    for f in result.findings:
        _well_formed(f)
    assert not any(f.code == "INTERNAL_ERROR" for f in result.findings)
