"""Runs of wildcards: ``?*?*`` is ``??*`` (at least two characters), so the matchers keep one ``*`` per run (issue 19).

A pattern of ``?*`` repeated used to give the chunk matcher and the ARN overlap search one ``*`` per two characters.
The number of ``*`` atoms is the work measure here (each costs the matchers a scan), not a clock.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from parc.catalog.arn_templates import compile_policy_arn
from parc.core.match import STAR, atoms_of, compile_glob, compile_resource
from parc.core.variables import literal_template


def test_a_run_of_wildcards_keeps_one_star() -> None:
    assert atoms_of(literal_template("?*?*?*")) == (1, 1, 1, STAR)
    assert atoms_of(literal_template("a**b")) == ("a", STAR, "b")
    assert atoms_of(literal_template("a?*?b")) == ("a", STAR, 1, 1, "b")
    assert atoms_of(literal_template("???")) == (1, 1, 1)


def test_many_stars_cost_one_atom() -> None:
    atoms = atoms_of(literal_template("arn:aws:s3:::" + "?*" * 1000))
    assert sum(1 for a in atoms if a == STAR) == 1
    arn = compile_policy_arn("arn:aws:s3:::" + "?*" * 1000)
    assert arn.count("\x00*") == 1 and arn.count("\x00?") == 1000


def test_a_run_keeps_its_last_character_for_the_colon_rule() -> None:
    """"If the * wildcard is the last character of a resource ARN segment, it can expand to match beyond the colon
    boundaries" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html):
    a short pattern ending in ``?*`` spans colons, one ending in ``*?`` does not (its last character is ``?``)."""
    arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
    spans = compile_resource("arn:aws:ec2:u?*", variables=True).static_matcher
    stays = compile_resource("arn:aws:ec2:u*?", variables=True).static_matcher
    assert spans is not None and stays is not None
    assert spans(arn) and not stays(arn)
    assert stays("arn:aws:ec2:us-east-1")


_pattern = st.text(alphabet="ab*?", max_size=10)
_text = st.text(alphabet="abc", max_size=10)


@settings(max_examples=400, deadline=None)
@given(pattern=_pattern, text=_text)
def test_collapsed_globs_match_as_fnmatch_does(pattern: str, text: str) -> None:
    assert compile_glob(pattern, ignore_case=False)(text) is fnmatchcase(text, pattern)
