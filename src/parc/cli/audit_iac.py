"""``parc audit --iac TEMPLATE...``: read CloudFormation templates, Terraform plans (``terraform show -json``) and
.tf files as the account they would make (the loaders are ``parc.loaders.iac.account`` and ``tfaccount``), so the
audit finds escalation paths and public resources before deployment. A file that is none of them, or a parameters
file that cannot be read, is a usage error (exit 2)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from parc.cli import exitcodes
from parc.core.audit import AuditInput, AuditReport

ACCOUNT_WIDE = frozenset({"SUPPORT_ROLE_MISSING"})
"""Findings about what the whole account lacks: a template set is not the whole account, so they are not shown."""


def _fail(message: str) -> None:
    click.echo(f"parc audit: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def load_templates(paths: list[str], parameters: str | None) -> AuditInput:
    from parc.cli.validate_iac import CLOUDFORMATION, TERRAFORM, TERRAFORM_SOURCE, kind_of, load_parameters
    from parc.loaders.iac.account import load_iac_audit
    from parc.loaders.policy_files import PolicySource

    cloudformation: list[str] = []
    terraform: list[tuple[str, bool]] = []
    given, err = load_parameters(parameters)
    if err is not None:
        _fail(err.message)
    for p in paths:
        try:
            text = Path(p).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"--iac {p}: cannot read it: {exc}")
            raise
        kind = kind_of(PolicySource(p, text), None)
        if kind in (TERRAFORM, TERRAFORM_SOURCE):
            terraform.append((p, kind == TERRAFORM))
        elif kind == CLOUDFORMATION:
            cloudformation.append(p)
        else:
            _fail(f"--iac {p}: not a CloudFormation template, a Terraform plan's JSON (terraform show -json) or a "
                  ".tf file")
    return load_iac_audit(cloudformation, given, terraform)


def template_findings(report: AuditReport) -> AuditReport:
    from dataclasses import replace

    return replace(report, findings=tuple(f for f in report.findings if f.rule not in ACCOUNT_WIDE))
