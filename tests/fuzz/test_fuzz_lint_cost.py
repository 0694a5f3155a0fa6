"""Fuzz: wildcard-heavy policies cost validate a number of steps linear in their size (issue 19).

Hypothesis builds policies whose actions and resources are runs of ``*``, ``?`` and a few letters (the shapes that
made the old containment search exponential). Validation must not raise, must stay within the documented work limit
(WORK_BASE + WORK_PER_CHAR x size, overshooting by at most one comparison), and, whenever it did not have to report
REDUNDANCY_NOT_CHECKED, must have needed no more than a small linear budget: the work limit is a last resort for the
exact search, not what keeps ordinary wildcard patterns cheap.
"""

from __future__ import annotations

import json

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st

from parc.core.lint import validate
from parc.core.lint.containment import WORK_BASE, WORK_PER_CHAR, WorkMeter
from parc.core.policy.model import PolicyType

_piece = st.sampled_from(["*", "?", "?*", "*?", "a", "b", "ab", "/", "-", "x*", "*a?"])
_glob = st.lists(_piece, min_size=1, max_size=120).map("".join)
_resource = st.one_of(
    _glob.map(lambda g: "arn:aws:s3:::" + g),
    st.tuples(_glob, _glob).map(lambda p: f"arn:aws:ssm:{p[0][:8]}::document/{p[1]}"),
    _glob,
)
_action = st.one_of(_glob.map(lambda g: "s3:" + g), _glob)


@fuzz
@given(
    actions=st.lists(_action, min_size=1, max_size=12),
    resources=st.lists(_resource, min_size=1, max_size=12),
    effect=st.sampled_from(["Allow", "Deny"]),
)
def test_validate_work_is_linear_in_the_policy(actions: list[str], resources: list[str], effect: str) -> None:
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": actions, "Resource": resources}]}
    )
    limit = WORK_BASE + WORK_PER_CHAR * len(text)
    meter = WorkMeter(limit)
    result = validate(text, PolicyType.IDENTITY, None, meter=meter)
    codes = {f.code for f in result.findings}
    assert "INTERNAL_ERROR" not in codes
    assert meter.steps <= limit + 16 * len(text)
    if "REDUNDANCY_NOT_CHECKED" not in codes:
        # A minute of fuzzing stayed under 16 steps a character; twice that leaves room without hiding a blow-up.
        assert meter.steps <= 32 * len(text) + 20_000
