"""The seed's acceptance checks for catalog-backed validation.

The limited-administrator policy is the article's ("How to secure AWS services?", ../shared/seed/), with one action
per line; its ``iam>`` actions are not actions (IAM actions are ``service:Action``,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html), and Access Analyzer
reports such an entry as INVALID_ACTION, an error, with a suggested action
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html).
"""

from __future__ import annotations

from pathlib import Path

from lint_helpers import lint_catalog

from parc.core.findings import FindingType

SEED = Path(__file__).parent / "data" / "limited_administrator.json"


def test_each_iam_gt_action_is_an_error_on_its_own_line_with_the_right_action() -> None:
    text = SEED.read_text()
    findings = lint_catalog(text)
    errors = [f for f in findings if f.code == "INVALID_ACTION"]
    assert len(errors) == 5
    assert all(f.finding_type is FindingType.ERROR for f in errors)
    lines = text.splitlines()
    expected = ["DeleteAccessKey", "DeleteLoginProfile", "DeleteUser", "ListAttachedUserPolicies", "ListPolicies"]
    for f, name in zip(errors, expected, strict=True):
        assert f.line is not None and f"iam>{name}" in lines[f.line - 1]
        assert f.details["suggestion"] == f"iam:{name}"
        assert f.fix == f"Did you mean 'iam:{name}'?"
    assert len({f.line for f in errors}) == 5


def test_the_condition_on_iam_policyarn_is_accepted() -> None:
    findings = lint_catalog(SEED.read_text())
    assert [f for f in findings if "Statement[1]" in f.path] == []
    assert {f.code for f in findings} == {"INVALID_ACTION"}


def test_empty_bucket_name_is_flagged_with_a_fix() -> None:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html: arn:aws:s3:::bucket_name/key_name
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::/bucketname/*"}],
    }
    findings = lint_catalog(policy)
    assert [(f.code, f.path) for f in findings] == [("INVALID_ARN_RESOURCE", "Statement[0].Resource")]
    assert findings[0].fix == "Remove the leading '/': arn:aws:s3:::bucketname/*"


def test_listbucket_on_an_object_path_suggests_the_bucket_and_s3_prefix() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html (the home-folder example
    # allows s3:ListBucket on the bucket with a condition on s3:prefix); ListBucket's resource types are bucket and
    # accesspoint in the Service Authorization Reference.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::bucketname/home/${aws:username}",
            }
        ],
    }
    findings = lint_catalog(policy)
    assert [(f.code, f.path) for f in findings] == [("RESOURCE_TYPE_MISMATCH", "Statement[0].Resource")]
    fix = findings[0].fix or ""
    assert "arn:aws:s3:::bucketname'" in fix and "s3:prefix" in fix and "home/${aws:username}" in fix
