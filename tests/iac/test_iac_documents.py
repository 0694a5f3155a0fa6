"""Template policies as plain documents for comparison (the input ``parc diff`` will take): values known only at
deploy time are wildcard patterns, each Fn::If branch its own document."""

from __future__ import annotations

from pathlib import Path

from parc.loaders.iac.documents import cloudformation_documents, terraform_documents

TEMPLATES = Path(__file__).resolve().parent / "templates"


def test_cloudformation_documents_use_patterns_and_branches() -> None:
    text = (TEMPLATES / "intrinsics.yaml").read_text(encoding="utf-8")
    docs, _ = cloudformation_documents("intrinsics.yaml", text)
    role = [d for d in docs if d.path.endswith("Policies[0].PolicyDocument")]
    # five conditions (IsProd, IsDev, Either, Both, LongForm): more than MAX_EXHAUSTIVE, so all true, all false and
    # each one flipped alone either way
    assert len(role) == 2 + 2 * 5
    assert {(d.branch["IsProd"], d.branch["IsDev"]) for d in role} == {(True, True), (True, False), (False, True),
                                                                       (False, False)}
    first = role[0].document
    assert isinstance(first, dict)
    assert first["Statement"][0]["Resource"] == "arn:*:s3:::*/*"  # ${Bucket.Arn}/*: CloudFormation names it
    assert first["Statement"][5]["Resource"] == "*"  # !ImportValue: anything
    trust = [d for d in docs if d.path.endswith("AssumeRolePolicyDocument")]
    principal = trust[0].document["Statement"][0]["Principal"]  # type: ignore[index]
    assert principal == {"AWS": "arn:aws:iam::444455556666:root"}
    assert trust[0].branch == {}


def test_examples_resolve_with_stand_ins() -> None:
    text = (TEMPLATES / "resources.yaml").read_text(encoding="utf-8")
    docs, findings = cloudformation_documents("resources.yaml", text, pattern=False)
    assert not findings
    lam = next(d for d in docs if d.resource == "FromBucket")
    st = lam.document["Statement"][0]  # type: ignore[index]
    assert st["Principal"] == {"Service": "s3.amazonaws.com"}
    assert st["Resource"] == "arn:aws:lambda:us-east-1:111122223333:function:worker"
    assert st["Condition"] == {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::reports"},
                               "StringEquals": {"AWS:SourceAccount": "111122223333"}}


def test_terraform_documents_from_plan_and_source() -> None:
    plan, _ = terraform_documents("plan.json", (TEMPLATES / "plan.json").read_text(encoding="utf-8"))
    assert {d.resource for d in plan} >= {"aws_iam_policy.deploy", "aws_kms_key.main", "aws_lambda_permission.s3"}
    source, _ = terraform_documents("main.tf", (TEMPLATES / "main.tf").read_text(encoding="utf-8"))
    deploy = next(d for d in source if d.resource == "aws_iam_policy.deploy")
    assert deploy.document == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}


def test_role_attachments_resolve_managed_policies_and_boundary() -> None:
    from parc.loaders.iac.documents import cloudformation_attachments

    text = (TEMPLATES / "iam.yaml").read_text(encoding="utf-8")
    exact = {a.resource: a for a in cloudformation_attachments("iam.yaml", text, pattern=False)}
    assert exact["AppRole"].managed_policy_arns == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",)
    assert exact["AppRole"].permissions_boundary == "arn:aws:iam::111122223333:policy/Boundary"
    assert exact["OpenTrust"].managed_policy_arns == () and exact["OpenTrust"].permissions_boundary is None
    patterns = {a.resource: a for a in cloudformation_attachments("iam.yaml", text)}
    assert patterns["AppRole"].permissions_boundary == "arn:*:iam::*:policy/*"  # named at deploy time
    assert set(patterns) == {"AppRole", "OpenTrust", "Dev", "Admins"}
