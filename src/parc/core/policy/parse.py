"""Turn a policy (file text, string, dict, JSON-in-JSON, URL-encoded JSON) into the model, with positions.

The parser is lenient: it builds a model of everything it can read and returns grammar findings for what it
cannot, so a malformed statement never hides the others. Semantic and per-policy-type rules live in lint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote

from parc.core.findings import Finding, FindingType, Position
from parc.core.limits import MAX_POLICY_CHARS
from parc.core.policy.jsonpos import JNode, JsonLimitError, JsonSyntaxError, decode_utf8, from_python, parse_json
from parc.core.policy.model import (
    ConditionEntry,
    ConditionValue,
    Located,
    Policy,
    PolicyType,
    PrincipalBlock,
    PrincipalEntry,
    Statement,
)

DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
GRAMMAR_LINK = DOCS + "reference_policies_grammar.html"
ELEMENTS_LINK = DOCS + "reference_policies_elements.html"

TOP_LEVEL_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)


@dataclass(frozen=True, slots=True)
class ParseResult:
    policy: Policy | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return self.policy is not None and not any(f.finding_type is FindingType.ERROR for f in self.findings)


class PolicyParseError(ValueError):
    """Raised by :func:`parse_policy_strict` when a policy cannot be used for a decision."""

    def __init__(self, findings: tuple[Finding, ...]) -> None:
        errors = [f for f in findings if f.finding_type is FindingType.ERROR]
        first = errors[0] if errors else findings[0]
        where = f" (line {first.line}, column {first.column})" if first.position and first.line else ""
        super().__init__(f"{first.message}{where}")
        self.findings = findings


def _err(code: str, message: str, path: str, pos: Position | None, link: str = ELEMENTS_LINK) -> Finding:
    return Finding(code, FindingType.ERROR, message, path, pos, learn_more=link)


def decode_text(text: str) -> tuple[JNode | None, Finding | None]:
    """Decode policy text: JSON, a JSON string that holds JSON, or URL-encoded JSON (as IAM's APIs return it)."""
    stripped = text.strip()
    if stripped.startswith("%7B") or stripped.startswith("%7b"):
        stripped = unquote(stripped)
        text = stripped
    try:
        node = parse_json(text, MAX_POLICY_CHARS, "policy")
    except JsonSyntaxError as exc:
        return None, _syntax_finding(exc)
    if node.kind == "string":
        inner = str(node.value)
        if inner.strip().startswith(("{", "%7B", "%7b")):
            # A policy stored as a JSON string (CloudFormation outputs, the AWS CLI's Organizations Content).
            inner_node, finding = decode_text(inner)
            return inner_node, finding
    return node, None


LIMITS_LINK = DOCS + "reference_iam-quotas.html"


def _syntax_finding(exc: JsonSyntaxError) -> Finding:
    if isinstance(exc, JsonLimitError):
        return _err("JSON_LIMIT_EXCEEDED", f"{exc.message}.", "", exc.pos, LIMITS_LINK)
    return _err("JSON_SYNTAX_ERROR", f"JSON syntax error: {exc.message}", "", exc.pos, GRAMMAR_LINK)


def parse_policy(
    source: str | bytes | dict[str, object] | JNode,
    policy_type: PolicyType | None = None,
    name: str | None = None,
    *,
    size: int | None = None,
) -> ParseResult:
    """Parse a policy. Never raises on bad input: problems come back as findings. ``size``: for a tree or a dict,
    its size as IAM counts it when the caller knows it already (a copy of a document measured before, a dict the
    caller serialised), so that it is not measured again."""
    if isinstance(source, bytes):
        try:
            source = decode_utf8(source)
        except JsonSyntaxError as exc:
            return ParseResult(None, (_syntax_finding(exc),))
    text_size: int | None = None
    if isinstance(source, str):
        node, finding = decode_text(source)
        if node is None:
            return ParseResult(None, (finding,) if finding else ())
        if source.strip().startswith("%"):
            source = unquote(source.strip())
        text_size = len("".join(source.split()))
    elif isinstance(source, JNode):
        node = source
        text_size = size
    else:
        try:
            node = from_python(source)
        except JsonLimitError as exc:
            return ParseResult(None, (_syntax_finding(exc),))
        text_size = size if size is not None else _packed_size(source)
    if text_size is None:
        text_size = _packed_size(node.to_python())
    if text_size > MAX_POLICY_CHARS:
        # Text is refused before it is parsed (decode_text); a policy given as a tree is measured here.
        finding = _err("JSON_LIMIT_EXCEEDED", f"The policy has {text_size:,} characters without white space; parc "
                       f"reads at most {MAX_POLICY_CHARS:,} (AWS's largest policy, a KMS key policy, is 32 KiB).",
                       "", node.pos, LIMITS_LINK)
        return ParseResult(None, (finding,))
    return _Parser(policy_type, name).policy(node, text_size)


def _packed_size(value: object) -> int:
    """Characters without white space, as IAM counts a policy against its size quota."""
    return packed_size(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def packed_size(compact: str) -> int:
    """``_packed_size`` of a value whose compact JSON (``separators=(",", ":")``, ``ensure_ascii=False``) is
    ``compact``."""
    return len("".join(compact.split()))


def parse_policy_strict(
    source: str | bytes | dict[str, object] | JNode,
    policy_type: PolicyType | None = None,
    name: str | None = None,
) -> Policy:
    """Parse a policy for evaluation: raise PolicyParseError when it has grammar errors."""
    result = parse_policy(source, policy_type, name)
    errors = tuple(f for f in result.findings if f.finding_type is FindingType.ERROR)
    if result.policy is None or errors:
        raise PolicyParseError(errors or result.findings)
    return result.policy


class _Parser:
    def __init__(self, policy_type: PolicyType | None, name: str | None) -> None:
        self.policy_type = policy_type
        self.name = name
        self.findings: list[Finding] = []

    def err(self, code: str, message: str, path: str, pos: Position | None, link: str = ELEMENTS_LINK) -> None:
        self.findings.append(_err(code, message, path, pos, link))

    def policy(self, node: JNode, size: int) -> ParseResult:
        if node.kind != "object":
            self.err("INVALID_POLICY_FORMAT", "A policy must be a JSON object", "", node.pos, GRAMMAR_LINK)
            return ParseResult(None, tuple(self.findings))
        version: str | None = None
        pid: str | None = None
        statements: list[Statement] = []
        self._check_duplicates(node, "")
        for m in node.members:
            if m.key == "Version":
                if m.node.kind == "string":
                    version = str(m.node.value)
                else:
                    self.err("INVALID_VERSION", "Version must be a string", "Version", m.node.pos)
            elif m.key == "Id":
                if m.node.kind == "string":
                    pid = str(m.node.value)
                else:
                    self.err("DATA_TYPE_MISMATCH", "Id must be a string", "Id", m.node.pos)
            elif m.key == "Statement":
                statements = self.statements(m.node)
            else:
                self._unknown_element(m.key, "", m.key_pos, TOP_LEVEL_ELEMENTS)
        policy = Policy(
            statements=tuple(statements),
            version=version,
            id=pid,
            policy_type=self.policy_type,
            name=self.name,
            pos=node.pos,
            size=size,
            node=node,
        )
        return ParseResult(policy, tuple(self.findings))

    def _unknown_element(self, key: str, parent: str, pos: Position, allowed: tuple[str, ...]) -> None:
        path = f"{parent}.{key}" if parent else key
        match = next((a for a in allowed if a.lower() == key.lower()), None)
        hint = f" Did you mean {match!r}? Element names are case-sensitive." if match else ""
        self.err("INVALID_POLICY_ELEMENT", f"{key!r} is not a valid policy element.{hint}", path, pos)

    def _check_duplicates(self, node: JNode, path: str) -> None:
        seen: dict[str, str] = {}
        for m in node.members:
            low = m.key.lower()
            if low in seen:
                where = f"{path}.{m.key}" if path else m.key
                if seen[low] == m.key:
                    code = "DUPLICATE_KEYS"
                    msg = f"Duplicate key {m.key!r}: JSON parsers keep only one of them, so part of the policy is lost"
                else:
                    code = "DUPLICATE_KEYS_WITH_DIFFERENT_CASE"
                    msg = f"Keys {seen[low]!r} and {m.key!r} differ only in case"
                self.err(code, msg, where, m.key_pos, GRAMMAR_LINK)
            else:
                seen[low] = m.key

    def statements(self, node: JNode) -> list[Statement]:
        if node.kind == "object":
            return [s for s in [self.statement(node, 0, "Statement")] if s is not None]
        if node.kind != "array":
            self.err("DATA_TYPE_MISMATCH", "Statement must be an object or a list of objects", "Statement", node.pos)
            return []
        out: list[Statement] = []
        for i, item in enumerate(node.items):
            st = self.statement(item, i, f"Statement[{i}]")
            if st is not None:
                out.append(st)
        return out

    def statement(self, node: JNode, index: int, path: str) -> Statement | None:
        if node.kind != "object":
            self.err("DATA_TYPE_MISMATCH", "A statement must be a JSON object", path, node.pos)
            return None
        self._check_duplicates(node, path)
        # Effect may be missing (lint reports MISSING_EFFECT); the model still needs the field.
        fields: dict[str, object] = {"effect": None}
        has_condition = False
        for m in node.members:
            sub = f"{path}.{m.key}"
            key = m.key
            if key == "Sid":
                if m.node.kind == "string":
                    fields["sid"] = m.node.value
                else:
                    self.err("DATA_TYPE_MISMATCH", "Sid must be a string", sub, m.node.pos)
            elif key == "Effect":
                if m.node.kind == "string":
                    fields["effect"] = m.node.value
                else:
                    self.err("INVALID_EFFECT", "Effect must be the string \"Allow\" or \"Deny\"", sub, m.node.pos)
                    fields["effect"] = ""
            elif key in ("Action", "NotAction", "Resource", "NotResource"):
                fields[_FIELD[key]] = self.string_list(m.node, sub, key)
            elif key in ("Principal", "NotPrincipal"):
                fields[_FIELD[key]] = self.principal(m.node, sub, key)
            elif key == "Condition":
                has_condition = True
                fields["conditions"] = self.conditions(m.node, sub)
            else:
                self._unknown_element(key, path, m.key_pos, STATEMENT_ELEMENTS)
        return Statement(index=index, pos=node.pos, path=path, node=node, has_condition=has_condition, **fields)  # type: ignore[arg-type]

    def string_list(self, node: JNode, path: str, element: str) -> tuple[Located, ...]:
        if node.kind == "string":
            return (Located(str(node.value), node.pos, path),)
        if node.kind == "array":
            out: list[Located] = []
            for i, item in enumerate(node.items):
                if item.kind == "string":
                    out.append(Located(str(item.value), item.pos, f"{path}[{i}]"))
                else:
                    self.err("DATA_TYPE_MISMATCH", f"{element} values must be strings", f"{path}[{i}]", item.pos)
            return tuple(out)
        self.err("DATA_TYPE_MISMATCH", f"{element} must be a string or a list of strings", path, node.pos)
        return ()

    def principal(self, node: JNode, path: str, element: str) -> PrincipalBlock:
        if node.kind == "string":
            if node.value == "*":
                return PrincipalBlock(True, (), node.pos, path)
            self.err(
                "INVALID_PRINCIPAL_FORMAT",
                f'{element} must be "*" or an object such as {{"AWS": "arn:aws:iam::123456789012:root"}}',
                path,
                node.pos,
                ELEMENTS_LINK.replace("elements", "elements_principal"),
            )
            return PrincipalBlock(False, (), node.pos, path)
        if node.kind != "object":
            self.err("INVALID_PRINCIPAL_FORMAT", f"{element} must be \"*\" or an object", path, node.pos)
            return PrincipalBlock(False, (), node.pos, path)
        entries: list[PrincipalEntry] = []
        for m in node.members:
            sub = f"{path}.{m.key}"
            for loc in self.string_list(m.node, sub, f"{element}.{m.key}"):
                entries.append(PrincipalEntry(m.key, loc.value, loc.pos, loc.path))
        return PrincipalBlock(False, tuple(entries), node.pos, path)

    def conditions(self, node: JNode, path: str) -> tuple[ConditionEntry, ...]:
        if node.kind != "object":
            msg = "Condition must be an object of operator -> {key: values}"
            self.err("INVALID_CONDITION_FORMAT", msg, path, node.pos)
            return ()
        out: list[ConditionEntry] = []
        for op in node.members:
            op_path = f"{path}.{op.key}"
            if op.node.kind != "object":
                self.err(
                    "INVALID_CONDITION_FORMAT",
                    f"The condition operator {op.key!r} must map to an object of key -> values",
                    op_path,
                    op.node.pos,
                )
                continue
            self._check_duplicates(op.node, op_path)
            for km in op.node.members:
                key_path = f"{op_path}.{km.key}"
                values, is_list = self.condition_values(km.node, key_path)
                out.append(ConditionEntry(op.key, km.key, values, km.key_pos, op.key_pos, key_path, is_list))
        return tuple(out)

    def condition_values(self, node: JNode, path: str) -> tuple[tuple[ConditionValue, ...], bool]:
        items = node.items if node.kind == "array" else [node]
        out: list[ConditionValue] = []
        for i, item in enumerate(items):
            sub = f"{path}[{i}]" if node.kind == "array" else path
            if item.kind in ("string", "number", "bool"):
                out.append(ConditionValue(item.value, item.pos, sub))  # type: ignore[arg-type]
            else:
                self.err(
                    "INVALID_CONDITION_FORMAT",
                    "A condition value must be a string, a number or a boolean",
                    sub,
                    item.pos,
                )
        return tuple(out), node.kind == "array"


_FIELD = {
    "Action": "action",
    "NotAction": "not_action",
    "Resource": "resource",
    "NotResource": "not_resource",
    "Principal": "principal",
    "NotPrincipal": "not_principal",
}
