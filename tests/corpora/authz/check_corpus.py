"""Check the shape of the authorization corpus files (not a pytest test).

Usage: python tests/corpora/authz/check_corpus.py [DIR]

Validates every *.json file in DIR (default: this file's folder) against the case format described in README.md:
required fields, known request keys and policy types, well-formed policies and conditions, unique snake_case
names. It says nothing about whether a case is *right*; that is what the citations are for. Exits 1 on any error.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

DECISIONS = ("Allow", "ExplicitDeny", "ImplicitDeny")
POLICY_TYPES = ("identity", "resource", "boundary", "session", "scp", "rcp", "endpoint", "acl", "block_public_access")
RULES = ("aws_owned",)
"""Rules no policy states that can block a request (blocked_by only): a resource AWS owns."""
CASE_KEYS = {"name", "rule", "doc", "request", "expect"}
EXPECT_KEYS = {"decision", "deciding", "blocked_by"}
REQUEST_KEYS = {
    "principal", "action", "resource", "resource_account", "context", "identity_policies", "resource_policy",
    "permissions_boundary", "session_policy", "scps", "rcps", "vpc_endpoint_policy", "management_account", "s3",
    "key_manager",
}
VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                  "Condition"}
PRINCIPAL_KINDS = {"AWS", "Service", "Federated", "CanonicalUser"}
BASE_OPERATORS = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
    "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals", "DateLessThan",
    "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress",
    "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
}
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
ACTION_RE = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")
PRINCIPAL_RE = re.compile(
    r"^(\*"
    r"|[a-z0-9.-]+\.amazonaws\.com"
    r"|arn:aws[a-z-]*:iam::\d{12}:(root|user/.+|role/.+)"
    r"|arn:aws[a-z-]*:sts::\d{12}:(assumed-role/[^/]+/.+|federated-user/.+))$"
)
# Which request keys hold which kind of policy, and whether its statements need a Principal.
RESOURCE_SIDE = {"resource_policy", "vpc_endpoint_policy", "rcps"}


class Checker:
    """Collects errors with their location instead of stopping at the first one."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.names: dict[str, str] = {}

    def err(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def check_file(self, path: Path) -> list[dict[str, Any]]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            self.err(f"{path.name}:{exc.lineno}:{exc.colno}", f"invalid JSON: {exc.msg}")
            return []
        if not isinstance(data, list) or not data:
            self.err(path.name, "the file must hold a non-empty JSON array of cases")
            return []
        cases: list[dict[str, Any]] = []
        for i, case in enumerate(data):
            where = f"{path.name} case {i}"
            if isinstance(case, dict) and isinstance(case.get("name"), str):
                where += f" ({case['name']})"
            if self.check_case(where, path.name, case):
                cases.append(case)
        return cases

    def check_case(self, where: str, file: str, case: Any) -> bool:
        if not isinstance(case, dict):
            self.err(where, "a case must be a JSON object")
            return False
        before = len(self.errors)
        for key in sorted(CASE_KEYS - case.keys()):
            self.err(where, f"missing field {key!r}")
        for key in sorted(case.keys() - CASE_KEYS):
            self.err(where, f"unknown field {key!r}")
        name = case.get("name")
        if isinstance(name, str):
            if not NAME_RE.match(name):
                self.err(where, "name must be snake_case")
            elif name in self.names:
                self.err(where, f"name already used in {self.names[name]}")
            else:
                self.names[name] = file
        elif "name" in case:
            self.err(where, "name must be a string")
        if "rule" in case and (not isinstance(case["rule"], str) or not case["rule"].strip()):
            self.err(where, "rule must be a non-empty sentence")
        doc = case.get("doc")
        if "doc" in case and (not isinstance(doc, str) or not doc.startswith("https://docs.aws.amazon.com/")):
            self.err(where, "doc must be an https://docs.aws.amazon.com/ URL")
        if "request" in case:
            self.check_request(where + ": request", case["request"])
        if "expect" in case:
            self.check_expect(where + ": expect", case["expect"])
        return len(self.errors) == before

    def check_request(self, where: str, req: Any) -> None:
        if not isinstance(req, dict):
            self.err(where, "must be an object")
            return
        for key in ("principal", "action", "resource"):
            if not isinstance(req.get(key), str) or not req[key]:
                self.err(where, f"{key!r} must be a non-empty string")
        for key in sorted(req.keys() - REQUEST_KEYS):
            self.err(where, f"unknown key {key!r}")
        if isinstance(req.get("principal"), str) and not PRINCIPAL_RE.match(req["principal"]):
            self.err(where, f"principal {req['principal']!r} is not a user, role, session, federated user, root, "
                            "service principal or '*'")
        if isinstance(req.get("action"), str) and not ACTION_RE.match(req["action"]):
            self.err(where, f"action {req['action']!r} is not service:Action")
        if "key_manager" in req and req["key_manager"] not in ("AWS", "CUSTOMER"):
            self.err(where, 'key_manager must be "AWS" or "CUSTOMER"')
        for key in ("resource_account", "management_account"):
            if key in req and (not isinstance(req[key], str) or not ACCOUNT_RE.match(req[key])):
                self.err(where, f"{key} must be a 12-digit account id string")
        if "context" in req:
            self.check_context(where + ".context", req["context"])
        if "identity_policies" in req:
            pols = req["identity_policies"]
            if not isinstance(pols, list):
                self.err(where, "identity_policies must be a list of policies")
            else:
                for i, p in enumerate(pols):
                    self.check_policy(f"{where}.identity_policies[{i}]", p, needs_principal=False)
        for key in ("resource_policy", "vpc_endpoint_policy"):
            if key in req:
                self.check_policy(f"{where}.{key}", req[key], needs_principal=True)
        for key in ("permissions_boundary", "session_policy"):
            if key in req:
                self.check_policy(f"{where}.{key}", req[key], needs_principal=False)
        for key in ("scps", "rcps"):
            if key in req:
                self.check_levels(f"{where}.{key}", req[key], needs_principal=key in RESOURCE_SIDE)
        if "s3" in req and not isinstance(req["s3"], dict):
            self.err(where, "s3 must be an object (its shape is checked by the engine: a RequestError names the path)")

    def check_context(self, where: str, ctx: Any) -> None:
        if not isinstance(ctx, dict):
            self.err(where, "must be an object of key -> value")
            return
        lowered: set[str] = set()
        for key, value in ctx.items():
            if key.lower() in lowered:
                self.err(where, f"key {key!r} appears twice (keys are case-insensitive)")
            lowered.add(key.lower())
            if isinstance(value, list):
                if not all(isinstance(v, str) for v in value):
                    self.err(f"{where}[{key!r}]", "a multivalued key must be a list of strings")
            elif not isinstance(value, str | bool | int | float):
                self.err(f"{where}[{key!r}]", "value must be a string, a boolean, a number or a list of strings")

    def check_levels(self, where: str, levels: Any, needs_principal: bool) -> None:
        if not isinstance(levels, list) or not levels:
            self.err(where, "must be a non-empty list of levels (root, OUs..., account)")
            return
        for i, level in enumerate(levels):
            if not isinstance(level, list) or not level:
                self.err(f"{where}[{i}]", "each level must be a non-empty list of policies")
                continue
            for j, p in enumerate(level):
                self.check_policy(f"{where}[{i}][{j}]", p, needs_principal=needs_principal)

    def check_policy(self, where: str, policy: Any, needs_principal: bool) -> None:
        if not isinstance(policy, dict):
            self.err(where, "a policy must be a JSON object")
            return
        for key in sorted(policy.keys() - {"Version", "Id", "Statement"}):
            self.err(where, f"unknown policy element {key!r}")
        if "Version" in policy and policy["Version"] not in VERSIONS:
            self.err(where, f"Version must be one of {VERSIONS}")
        stmts = policy.get("Statement")
        if isinstance(stmts, dict):
            stmts = [stmts]
        if not isinstance(stmts, list) or not stmts:
            self.err(where, "Statement must be a statement object or a non-empty list of them")
            return
        for i, stmt in enumerate(stmts):
            self.check_statement(f"{where}.Statement[{i}]", stmt, needs_principal)

    def check_statement(self, where: str, stmt: Any, needs_principal: bool) -> None:
        if not isinstance(stmt, dict):
            self.err(where, "a statement must be a JSON object")
            return
        for key in sorted(stmt.keys() - STATEMENT_KEYS):
            self.err(where, f"unknown statement element {key!r}")
        if stmt.get("Effect") not in ("Allow", "Deny"):
            self.err(where, "Effect must be Allow or Deny")
        if ("Action" in stmt) == ("NotAction" in stmt):
            self.err(where, "exactly one of Action and NotAction is required")
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in stmt and not _strings(stmt[key]):
                self.err(where, f"{key} must be a string or a non-empty list of strings")
        if "Resource" in stmt and "NotResource" in stmt:
            self.err(where, "Resource and NotResource cannot both appear")
        has_principal = "Principal" in stmt or "NotPrincipal" in stmt
        if needs_principal and not has_principal:
            self.err(where, "a resource-side policy statement needs Principal or NotPrincipal")
        if not needs_principal and has_principal:
            self.err(where, "this policy type cannot have Principal or NotPrincipal")
        if not needs_principal and "Resource" not in stmt and "NotResource" not in stmt:
            self.err(where, "Resource or NotResource is required in this policy type")
        for key in ("Principal", "NotPrincipal"):
            if key in stmt:
                self.check_principal(f"{where}.{key}", stmt[key])
        if "Condition" in stmt:
            self.check_condition(f"{where}.Condition", stmt["Condition"])

    def check_principal(self, where: str, principal: Any) -> None:
        if principal == "*":
            return
        if not isinstance(principal, dict) or not principal:
            self.err(where, "must be '*' or an object such as {\"AWS\": ...}")
            return
        for kind, value in principal.items():
            if kind not in PRINCIPAL_KINDS:
                self.err(where, f"unknown principal kind {kind!r}")
            if not _strings(value):
                self.err(f"{where}.{kind}", "must be a string or a non-empty list of strings")

    def check_condition(self, where: str, cond: Any) -> None:
        if not isinstance(cond, dict) or not cond:
            self.err(where, "must be a non-empty object of operator -> {key: value}")
            return
        for op, block in cond.items():
            base = op
            for prefix in ("ForAllValues:", "ForAnyValue:"):
                if base.startswith(prefix):
                    base = base[len(prefix):]
            if base.endswith("IfExists") and base != "Null":
                base = base[: -len("IfExists")]
            if base not in BASE_OPERATORS:
                self.err(where, f"unknown condition operator {op!r}")
            if not isinstance(block, dict) or not block:
                self.err(f"{where}.{op}", "must be a non-empty object of key -> value(s)")
                continue
            for key, value in block.items():
                values = value if isinstance(value, list) else [value]
                if not values or not all(isinstance(v, str | bool | int | float) for v in values):
                    self.err(f"{where}.{op}[{key!r}]", "values must be strings, booleans or numbers")

    def check_expect(self, where: str, expect: Any) -> None:
        if not isinstance(expect, dict):
            self.err(where, "must be an object")
            return
        for key in sorted(expect.keys() - EXPECT_KEYS):
            self.err(where, f"unknown key {key!r}")
        decision = expect.get("decision")
        if decision not in DECISIONS:
            self.err(where, f"decision must be one of {DECISIONS}")
        for key, allowed in (("deciding", ("Allow", "ExplicitDeny")), ("blocked_by", ("ImplicitDeny",))):
            if key not in expect:
                continue
            value = expect[key]
            names = POLICY_TYPES + RULES if key == "blocked_by" else POLICY_TYPES
            if not isinstance(value, list) or not value or not all(v in names for v in value):
                self.err(where, f"{key} must be a non-empty list drawn from {names}")
            if decision not in allowed:
                self.err(where, f"{key} only goes with decision {' or '.join(allowed)}")


def _strings(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    files = sorted(folder.glob("*.json"))
    if not files:
        print(f"no *.json corpus files in {folder}", file=sys.stderr)
        return 1
    checker = Checker()
    total: Counter[str] = Counter()
    for path in files:
        cases = checker.check_file(path)
        counts = Counter(str(c["expect"]["decision"]) for c in cases)
        total.update(counts)
        detail = ", ".join(f"{d} {counts[d]}" for d in DECISIONS)
        print(f"{path.name:32} {len(cases):4} cases  ({detail})")
    print(f"{'total':32} {sum(total.values()):4} cases  ({', '.join(f'{d} {total[d]}' for d in DECISIONS)})")
    for e in checker.errors:
        print(f"error: {e}", file=sys.stderr)
    if checker.errors:
        print(f"{len(checker.errors)} error(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
