"""Requests guessed from a statement (guess.py): a FAIL found without a query is replayed like any other, and a
guess the question rules out never becomes a FAIL."""

from __future__ import annotations

import parc

OLD = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Get", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
NEW = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Get", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}]}


def test_a_widened_statement_fails_without_a_query() -> None:
    result = parc.check_no_new_access(OLD, NEW)
    assert result.result == "FAIL" and result.queries == 0
    (cx,) = result.counterexamples
    assert cx.action.lower().startswith("s3:") and cx.action != "s3:GetObject"
    assert cx.resource.startswith("arn:aws:s3:::b/")


def test_a_guess_the_question_rules_out_is_no_fail() -> None:
    # Identity policies alone never allow a KMS key action (the key policy must): the guessed request on a key
    # satisfies the statement but not the question, so the solvers decide, and they prove it.
    kms = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:*:key/*"}]}
    assert parc.check_access_not_granted(kms, ["kms:Decrypt"]).result == "PASS"
    # Nor is a statement whose conditions the guess leaves unmet ("a*" filled in is "ax", which the second one
    # refuses): the solvers find the request shown, which meets them.
    tagged = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"StringLike": {"aws:PrincipalTag/team": "a*"},
                       "StringNotLike": {"aws:PrincipalTag/team": "ax*"}}}]}
    result = parc.check_access_not_granted(tagged, ["s3:PutObject"])
    assert result.result == "FAIL" and result.queries >= 1
    team = result.counterexamples[0].context.get("aws:principaltag/team")
    assert isinstance(team, str) and team.startswith("a") and not team.startswith("ax")


def test_a_condition_the_statement_names_is_guessed_too() -> None:
    tagged = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"},
                       "ForAnyValue:StringLike": {"aws:TagKeys": ["eks*"]}}}]}
    result = parc.check_access_not_granted(tagged, ["s3:PutObject"])
    assert result.result == "FAIL" and result.queries == 0
    cx = result.counterexamples[0]
    assert cx.context.get("aws:principaltag/team") == "a" and cx.context.get("aws:tagkeys") == ["eksx"]


def test_an_old_statement_that_covers_the_guess_leaves_it_to_the_solvers() -> None:
    # OLD allows the guessed request too (s3:* on the bucket's objects but one): NEW adds only s3:DeleteObject.
    old = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"}]}
    result = parc.check_no_new_access(old, NEW)
    assert result.result == "FAIL"
    assert {c.action for c in result.counterexamples} == {"s3:DeleteObject"}
