"""Validating many documents of which many are the same text: each distinct document once.

An account repeats its documents: thousands of roles trust the same service with the same trust policy, copies of
one inline policy sit on many users. What ``validate`` finds depends only on the document's content, its policy
type and the catalog; where it finds it (line and column) depends on where the document sits in its file. So the
first document of a content is validated, and each later one gets the same findings moved to its own positions
(node by node, the two trees having the same shape) and its own parsed policy. The 5,000-role benchmark account
holds 7,101 documents of 2,451 contents.

Anything that cannot be moved exactly falls back to validating the document itself: a finding whose position is
no node or key of the first document, one position of the first standing for two places of the other, or a finding
that names no file the way ``validate`` names it. tests/lint/test_lint_memo.py compares
every memo answer with ``validate``'s own.
"""

from __future__ import annotations

from dataclasses import replace

from parc.core.findings import Finding, Position
from parc.core.lint import ValidationResult, validate
from parc.core.policy.jsonpos import JNode
from parc.core.policy.jsonshape import Content, shape
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import parse_policy


def position_map(old: JNode, new: JNode) -> dict[Position, Position] | None:
    """Each position of ``old`` (its nodes' and its keys') to the same place in ``new``, a tree of the same
    shape; None when one position of ``old`` stands for places that differ in ``new`` (a finding there could not
    be placed)."""
    out: dict[Position, Position] = {}
    stack = [(old, new)]
    while stack:
        a, b = stack.pop()
        if out.setdefault(a.pos, b.pos) != b.pos:
            return None
        if a.kind == "object":
            for ma, mb in zip(a.members, b.members, strict=True):
                if out.setdefault(ma.key_pos, mb.key_pos) != mb.key_pos:
                    return None
                stack.append((ma.node, mb.node))
        elif a.kind == "array":
            stack.extend(zip(a.items, b.items, strict=True))
    return out


class LintMemo:
    """``validate(node, policy_type, catalog, name=name)`` for positioned documents, each content validated once
    (per memo: one audit run). ``reused`` counts the answers moved from an earlier document."""

    def __init__(self, catalog: object | None) -> None:
        self.catalog = catalog
        self.reused = 0
        self._first: dict[tuple[PolicyType, Content], tuple[JNode, ValidationResult, str]] = {}

    def validate(self, node: JNode, policy_type: PolicyType, name: str, content: Content | None = None,
                 size: int | None = None) -> ValidationResult:
        """``content``: the node's content key (``jsonshape.Content``), when the caller has it already; ``size``:
        its size as IAM counts it, likewise (``parse_policy``)."""
        key = (policy_type, shape(node) if content is None else content)
        first = self._first.get(key)
        if first is not None:
            moved = _moved(first, node, policy_type, name)
            if moved is not None:
                self.reused += 1
                return moved
        result = validate(node, policy_type, self.catalog, name=name, size=size)
        if first is None:
            self._first[key] = (node, result, name)
        return result


def _moved(first: tuple[JNode, ValidationResult, str], node: JNode, policy_type: PolicyType,
           name: str) -> ValidationResult | None:
    """The first document's result for ``node``: its findings at ``node``'s positions and in its file, the policy
    parsed from ``node``; None when a finding cannot be moved exactly."""
    old, result, old_name = first
    if result.text is not None or result.type_inferred:
        return None
    where: dict[Position, Position] | None = None
    findings: list[Finding] = []
    for f in result.findings:
        if f.file != old_name:
            return None
        if f.position is None:
            findings.append(replace(f, file=name))
            continue
        if where is None:  # built only for a document with a finding to place (most have none)
            where = position_map(old, node)
            if where is None:
                return None
        pos = where.get(f.position)
        if pos is None:
            return None
        findings.append(replace(f, position=pos, file=name))
    policy = parse_policy(node, policy_type, name, size=result.policy.size).policy if result.policy is not None \
        else None
    if (policy is None) != (result.policy is None):
        return None
    return replace(result, findings=tuple(findings), policy=policy, name=name)
