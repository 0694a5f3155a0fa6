"""``parc validate`` on infrastructure code: which files are templates, the ``--parameters`` file, and the check.

A file is a CloudFormation template by extension (.yaml, .yml, .template) or by content (a JSON object with
Resources or AWSTemplateFormatVersion), a Terraform plan by content (``terraform show -json``: format_version and
planned_values), Terraform source by extension (.tf); anything else is a policy document as before. ``--type
cloudformation|terraform`` forces the reader.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from parc.core.findings import Finding, FindingType
from parc.loaders.iac.model import IacReport
from parc.loaders.policy_files import InputError, PolicySource

CLOUDFORMATION = "cloudformation"
TERRAFORM = "terraform"
TERRAFORM_SOURCE = "terraform-source"
IAC_TYPES = (CLOUDFORMATION, TERRAFORM)

_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template")
_CFN_KEYS = re.compile(r'"(Resources|AWSTemplateFormatVersion)"\s*:')
_PLAN_KEYS = re.compile(r'"format_version"\s*:')


def kind_of(source: PolicySource, forced: str | None) -> str | None:
    """The reader for ``source``: a template kind, or None for a policy document."""
    suffix = Path(source.name).suffix.lower()
    text = source.text if isinstance(source.text, str) else ""
    if forced == CLOUDFORMATION:
        return CLOUDFORMATION
    if forced == TERRAFORM:
        return TERRAFORM_SOURCE if suffix == ".tf" else TERRAFORM
    if suffix == ".tf":
        return TERRAFORM_SOURCE
    if suffix in _TEMPLATE_SUFFIXES:
        return CLOUDFORMATION
    head = text[:4096]
    if _PLAN_KEYS.search(head) and ("planned_values" in text or "resource_changes" in text or '"values"' in text):
        return TERRAFORM
    if _CFN_KEYS.search(text) and _top_level_template(text):
        return CLOUDFORMATION
    return None


def _top_level_template(text: str) -> bool:
    """The JSON's top-level object has Resources or AWSTemplateFormatVersion (not a policy that mentions them)."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and ("Resources" in doc or "AWSTemplateFormatVersion" in doc)


def load_parameters(path: str | None) -> tuple[dict[str, str], InputError | None]:
    """``--parameters FILE``: ``{"Name": "value"}``, the AWS CLI's ``[{"ParameterKey": ..., "ParameterValue":
    ...}]``, or a CodePipeline template configuration ``{"Parameters": {...}}``."""
    if path is None:
        return {}, None
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        return {}, InputError(path, f"cannot read --parameters {path}: {exc.strerror or exc}")
    except ValueError as exc:
        return {}, InputError(path, f"--parameters {path} is not JSON: {exc}")
    if isinstance(doc, dict) and isinstance(doc.get("Parameters"), dict):
        doc = doc["Parameters"]
    out: dict[str, str] = {}
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            if not (isinstance(item, dict) and isinstance(item.get("ParameterKey"), str)):
                return {}, InputError(path, f"--parameters {path}: item {i} has no ParameterKey")
            out[item["ParameterKey"]] = _text(item.get("ParameterValue", ""))
        return out, None
    if isinstance(doc, dict):
        return {str(k): _text(v) for k, v in doc.items()}, None
    return {}, InputError(path, f"--parameters {path}: expected an object of names and values, or the AWS CLI's "
                          "list of ParameterKey and ParameterValue")


def _text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value)


def check_source(source: PolicySource, kind: str, given: dict[str, str], catalog: object | None,
                 var_files: tuple[str, ...] = ()) -> IacReport | None:
    """Read and validate one template; None when a folder's YAML file is not a template (skipped, counted).
    ``var_files``: Terraform .tfvars files (``--var-file``) for .tf files."""
    from parc.loaders.iac.check import check_cloudformation, check_plain

    if isinstance(source.text, bytes):
        return _not_utf8(source, kind)
    if kind == CLOUDFORMATION:
        from parc.loaders.iac.cloudformation import looks_like_template, read_template

        report, root = read_template(source.name, source.text, given)
        if root is not None and not looks_like_template(root):
            if source.from_folder:
                return None
            f = Finding("IAC_NOT_A_TEMPLATE", FindingType.ERROR, "Not a CloudFormation template (no Resources or "
                        "AWSTemplateFormatVersion).", "", root.pos, source.name)
            return IacReport(source.name, source.text, (f,), unreadable=[f])
        if root is not None:
            check_cloudformation(report, root, given, catalog)
        return report
    if kind == TERRAFORM_SOURCE:
        from parc.loaders.iac.hcl import module_variables, read_hcl

        report = read_hcl(source.name, source.text, module_variables(source.name, source.text, var_files))
    else:
        from parc.loaders.iac.terraform import read_plan

        report = read_plan(source.name, source.text)
    check_plain(report, catalog)
    return report


def _not_utf8(source: PolicySource, kind: str) -> IacReport:
    f = Finding("IAC_SYNTAX_ERROR", FindingType.ERROR, "The file is not UTF-8 text.", "", None, source.name)
    return IacReport(source.name, None, (f,), unreadable=[f], kind=kind)


def unreadable_errors(reports: list[IacReport]) -> list[InputError]:
    """Parts of templates that could not be read: exit code 2 (the rest was still checked and reported)."""
    out = []
    for r in reports:
        for f in r.unreadable:
            where = f":{f.line}:{f.column}" if f.line else ""
            out.append(InputError(r.name, f"{r.name}{where}: {f.message}"))
    return out
