"""The curated public API: the names the README documents, importable from ``parc`` itself."""

from __future__ import annotations

from pathlib import Path

import pytest

import parc

ROOT = Path(__file__).resolve().parent.parent


def test_every_public_name_resolves() -> None:
    for name in parc.__all__:
        assert getattr(parc, name) is not None
    with pytest.raises(AttributeError):
        _ = parc.no_such_thing  # type: ignore[attr-defined]


def test_validate_uses_the_catalog_and_points_at_the_line() -> None:
    text = '{"Version": "2012-10-17",\n "Statement": {"Effect": "Allow",\n  "Action": "s3:GetObjekt", "Resource": "*"}}'
    result = parc.validate(text)
    codes = {(f.code, f.line) for f in result.findings}
    assert ("INVALID_ACTION", 3) in codes
    assert not any(f.code == "INVALID_ACTION" for f in parc.validate(text, with_catalog=False).findings)


def test_load_network_answers_exposure_on_the_bundled_vpc() -> None:
    net, findings = parc.load_network(str(ROOT / "examples" / "vpc"))
    exposed = net.exposed()
    assert exposed, "the bundled VPC has a deliberate exposure"
    assert isinstance(findings, tuple)


def test_compile_and_authorize_agree() -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
    req = {"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}
    assert parc.compile(identity_policies=[policy]).authorize(req).decision == "Allow"
    assert parc.authorize({**req, "identity_policies": [policy]}).decision == "Allow"
    assert parc.authorize({**req, "action": "s3:PutObject", "identity_policies": [policy]}).decision == "ImplicitDeny"


def test_engine_build_says_how_the_decision_path_runs() -> None:
    """``make test-compiled`` runs this suite against the mypyc build and sets PARC_EXPECT_BUILD=compiled: the run
    must really be on the compiled modules, not on the sources behind them."""
    import os

    from parc.api import engine_build
    from parc.core.authz import fast

    build = engine_build()
    assert build == ("pure Python" if str(fast.__file__).endswith(".py") else "compiled")
    assert build == os.environ.get("PARC_EXPECT_BUILD", "pure Python")
