"""``parc validate``: check policy documents against IAM's grammar, the per-type rules and AWS's service reference.

Exit codes (parc.cli.exitcodes): 0 when no finding reaches ``--fail-on``, 1 when one does, 2 on bad usage or a
path that cannot be read.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from dataclasses import replace

import click

from parc import __version__
from parc.cli import exitcodes
from parc.cli.consoles import make_console, progress_bar
from parc.cli.output import check_output, json_files, write_atomic
from parc.cli.validate_iac import IAC_TYPES, check_source, kind_of, load_parameters, unreadable_errors
from parc.cli.validate_waf import check_waf, is_waf_source
from parc.core.findings import FindingType
from parc.core.gcpause import gc_paused
from parc.core.lint import ValidationResult, validate
from parc.core.policy.model import PolicyType
from parc.loaders.iac.model import IacReport
from parc.loaders.policy_files import PolicySource, collect
from parc.reporters.json_report import render_json
from parc.reporters.sarif import render_sarif
from parc.reporters.text import render_text

FAIL_ON = {
    "error": FindingType.ERROR,
    "security": FindingType.SECURITY_WARNING,
    "warning": FindingType.WARNING,
    "suggestion": FindingType.SUGGESTION,
}
TYPES = ["auto", *(t.value for t in PolicyType), *IAC_TYPES]


def _catalog(enabled: bool) -> object | None:
    if not enabled:
        return None
    try:
        from parc.catalog import default_catalog
    except ImportError:  # pragma: no cover - the catalog ships with parc
        return None
    return default_catalog()


def failed(results: Sequence[ValidationResult | IacReport], fail_on: FindingType) -> bool:
    return any(f.finding_type.rank >= fail_on.rank for r in results for f in r.findings)


def iam_refused(results: Sequence[ValidationResult], templates: Sequence[IacReport] = ()) -> bool:
    """``--mode iam``: some document IAM's API would refuse at deploy time (in a template too)."""
    return any(r.iam_accepts is False for r in results) or any(
        f.iam_rejects is not None for t in templates for f in t.findings)


def iam_summary(results: Sequence[ValidationResult]) -> str | None:
    """The text report's IAM verdict line, for the documents IAM stores (None when there are none)."""
    judged = [r for r in results if r.iam_accepts is not None]
    if not judged:
        return None
    refused = [r for r in judged if r.iam_accepts is False]
    n = len(judged)
    if not refused:
        return f"IAM: {'the document' if n == 1 else f'all {n} documents'} would be accepted at deploy time."
    return (
        f"IAM: {len(refused)} of {n} document{'s' if n != 1 else ''} would be refused at deploy time "
        "(MalformedPolicyDocument or a size quota): see the findings marked [IAM rejects]."
    )


@click.command(
    "validate",
    epilog="With --type auto, a file named NAME.TYPE.json (deny-regions.scp.json, bucket.resource.json) has that "
    "type; otherwise a Principal element means a resource-based or role trust policy, and none an identity policy. "
    "CloudFormation templates (.yaml, .yml, .template, or JSON with Resources), Terraform plans (terraform show "
    "-json) and Terraform files (.tf) are recognised and each of their policies validated at the template's lines.",
)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--type",
    "policy_type",
    type=click.Choice(TYPES),
    default="auto",
    show_default=True,
    help="Policy type: each has its own grammar rules (Principal, Resource, effects, size quota); cloudformation or "
    "terraform reads every file as that kind of template.",
)
@click.option(
    "--parameters",
    "parameters_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="CloudFormation parameter values (JSON: {\"Name\": \"value\"} or the AWS CLI's [{\"ParameterKey\": ..., "
    "\"ParameterValue\": ...}]); parameters not given use their Default.",
)
@click.option(
    "--var-file",
    "var_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Terraform variable values (a .tfvars file, as terraform -var-file; repeatable) for .tf files; variables "
    "also take their defaults, terraform.tfvars and *.auto.tfvars of the file's folder.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True
)
@click.option(
    "--fail-on",
    type=click.Choice(list(FAIL_ON)),
    default="error",
    show_default=True,
    help="Exit 1 when a finding of this type or a more severe one is found.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option(
    "--mode",
    type=click.Choice(["access-analyzer", "iam"]),
    default="access-analyzer",
    show_default=True,
    help="access-analyzer: exit 1 on a finding of --fail-on's level or above. iam: exit 1 only when IAM's API would "
    "refuse a document at deploy time (MalformedPolicyDocument or a size quota); every finding is still reported.",
)
@click.option(
    "--catalog/--no-catalog",
    default=True,
    show_default=True,
    help="Check actions, ARNs and condition keys against the IAM catalog.",
)
def command(
    paths: tuple[str, ...],
    policy_type: str,
    parameters_file: str | None,
    var_files: tuple[str, ...],
    fmt: str,
    fail_on: str,
    output: str | None,
    mode: str,
    catalog: bool,
) -> None:
    """Validate IAM policies: files, folders (recursively: *.json, and CloudFormation and Terraform templates) or -
    for standard input."""
    target = check_output(output, paths, json_files) if output else None
    sources, errors = collect(paths, sys.stdin, iac=True)
    given, bad_parameters = load_parameters(parameters_file)
    if bad_parameters is not None:
        click.echo(f"parc validate: {bad_parameters.message}", err=True)
        sys.exit(exitcodes.USAGE)
    cat = _catalog(catalog)
    iac_forced = policy_type if policy_type in IAC_TYPES else None
    forced = None if policy_type == "auto" or iac_forced else PolicyType(policy_type)
    skipped = 0
    with gc_paused(), progress_bar("validating", len(sources)) as step:
        # thousands of policies in memory: the collector's passes over them cost about a tenth
        results: list[ValidationResult] = []
        templates: list[IacReport] = []
        items: list[ValidationResult | IacReport] = []
        for s in sources:
            kind = kind_of(s, iac_forced)
            if kind is None and is_waf_source(s):  # AWS WAF web ACLs and rule groups (issue 18)
                templates.append(check_waf(s))
                items.append(templates[-1])
            elif kind is None:
                results.append(_validate(s, forced, cat))
                items.append(results[-1])
            else:
                template = check_source(s, kind, given, cat, var_files)
                if template is None:
                    skipped += 1
                else:
                    templates.append(template)
                    items.append(template)
            step()
    errors.extend(unreadable_errors(templates))
    threshold = FAIL_ON[fail_on]
    report = io.StringIO() if target is not None else None
    if fmt == "json":
        extra: dict[str, dict[str, object]] = {
            r.name or "": {"policy_type": r.policy_type.value, "type_inferred": r.type_inferred,
                           "iam_accepts": r.iam_accepts}
            for r in results
        }
        for t in templates:
            extra[t.name] = {"template": t.kind, "policies": len(t.policies), "unreadable": len(t.unreadable)}
        _write(render_json(items, threshold, extra), report)
    elif fmt == "sarif":
        _write(render_sarif(items, __version__), report)
    else:
        # soft_wrap: long messages and links stay on one line; the terminal wraps them.
        console = make_console(report, highlight=report is None)
        render_text(console, items)
        line = iam_summary(results)
        if line:
            console.print(line)
    if target is not None and report is not None:
        write_atomic(target, report.getvalue())
    if skipped:
        click.echo(f"parc validate: skipped {skipped} YAML file{'s' if skipped != 1 else ''} in the folders given "
                   "that are not CloudFormation templates", err=True)
    for e in errors:
        click.echo(f"parc validate: {e.message}", err=True)
    if errors:
        sys.exit(exitcodes.USAGE)
    failing = iam_refused(results, templates) if mode == "iam" else failed(items, threshold)
    sys.exit(exitcodes.FINDINGS if failing else exitcodes.OK)


def _validate(source: PolicySource, forced: PolicyType | None, catalog: object | None) -> ValidationResult:
    result = validate(source.text, forced or source.type_hint, catalog, source.name)
    if forced is None and source.type_hint is not None:
        result = replace(result, type_inferred=True)  # from the file name, not from the user
    return result


def _write(text: str, file: io.StringIO | None) -> None:
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write(text)
