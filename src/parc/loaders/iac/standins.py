"""The stand-ins ``parc diff`` gives values known only at deploy time, and one policy of a template resolved with
them (``pairs`` explains the choice): an example value no template writes for what the template fixes the shape of
(the account parc's solver calls home, region ``xx-parc-1``, names ``parc-generated-<LogicalId>``), a token made
from the expression for what parc knows nothing about, and the positions of both, so that the comparison can tell
a stand-in from a literal the user wrote.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from parc.core.findings import Finding, Position
from parc.core.policy.jsonpos import JMember, JNode
from parc.core.policy.model import PolicyType
from parc.loaders.iac.check import as_document
from parc.loaders.iac.intrinsics import Resolver, Template, intrinsic
from parc.loaders.iac.model import EmbeddedPolicy

DIFF_REGION = "xx-parc-1"
DIFF_GENERATED = "parc-generated-{}"


@dataclass
class Doc:
    """One policy of one side, resolved under one assignment, as the solver reads it."""

    resource: str
    path: str
    key: str
    """identity, trust, boundary, resource, scp, rcp, endpoint: which documents are compared together."""
    node: JNode
    symbolic: frozenset[Position] = frozenset()
    """Positions of the strings that hold a stand-in for a deploy-time value."""
    unsound: frozenset[Position] = frozenset()
    """Positions of deploy-time values no stand-in is sound for (an Action, an Effect): see ``_tokenise``."""

    @property
    def python(self) -> object:
        return self.node.to_python()



def positions(node: JNode) -> Iterator[Position]:
    yield node.pos
    if node.kind == "object":
        for m in node.members:
            yield from positions(m.node)
    elif node.kind == "array":
        for i in node.items:
            yield from positions(i)



def _key(ep: EmbeddedPolicy, node: JNode) -> str:
    if ep.policy_type is not None:
        return "resource" if ep.policy_type is PolicyType.ENDPOINT else ep.policy_type.value
    st = node.get("Statement")
    items = ([st.node] if st.node.kind == "object" else st.node.items) if st is not None else []
    has_principal = any(i.kind == "object" and (i.get("Principal") or i.get("NotPrincipal")) for i in items)
    return "resource" if has_principal else "identity"


def resolve(template: Template | None, name: str, ep: EmbeddedPolicy, branch: Mapping[str, bool],
            why: list[str]) -> Doc | None:
    """One policy under ``branch`` with the diff's stand-ins; None (and why) when it cannot be compared."""
    t = template
    if t is None:  # Terraform: resolved by the reader; references in a .tf file are opaque
        found: list[Finding] = []
        doc = as_document(_copy(ep.node), ep, name, found)
        if doc is None:
            why.append(f"{ep.path}: not a JSON document")
            return None
        unsound: set[Position] = set()
        symbolic = _tokenise(doc, set(ep.opaque), {}, unsound) if ep.opaque else frozenset()
        return Doc(ep.resource, ep.path, _key(ep, doc), doc, symbolic, frozenset(unsound))
    ex_r = Resolver(t, branch, region=DIFF_REGION, generated=DIFF_GENERATED)
    pat_r = Resolver(t, branch, pattern=True, region=DIFF_REGION, generated=DIFF_GENERATED)
    example, pattern = ex_r.resolve(ep.node), pat_r.resolve(ep.node)
    if example is None or pattern is None:
        return None  # AWS::NoValue: no document under this branch
    if example.kind == "string" and example.pos in ex_r.opaque:
        why.append(f"{ep.path}: the policy is a value known only at deploy time")
        return None
    found = []
    doc = as_document(example, ep, name, found)
    pdoc = as_document(pattern, ep, name, [])
    if doc is None or pdoc is None:
        why.append(f"{ep.path}: not a JSON document")
        return None
    differ: set[Position] = set()
    _differ(doc, pdoc, differ)
    sources = {n.pos: n for n in _intrinsics(ep.node)}
    unsound = set()
    differ |= _tokenise(doc, ex_r.opaque, sources, unsound)
    return Doc(ep.resource, ep.path, _key(ep, doc), doc, frozenset(differ), frozenset(unsound))


def _copy(node: JNode) -> JNode:
    if node.kind == "object":
        return JNode([JMember(m.key, m.key_pos, _copy(m.node)) for m in node.members], "object", node.pos)
    if node.kind == "array":
        return JNode([_copy(i) for i in node.items], "array", node.pos)
    return JNode(node.value, node.kind, node.pos)


def _intrinsics(node: JNode) -> Iterator[JNode]:
    if node.kind == "object":
        if intrinsic(node) is not None:
            yield node
        for m in node.members:
            yield from _intrinsics(m.node)
    elif node.kind == "array":
        for i in node.items:
            yield from _intrinsics(i)


def _differ(a: JNode, b: JNode, out: set[Position]) -> None:
    """Positions where the example and pattern forms differ: the strings that hold a stand-in."""
    if a.kind != b.kind or (a.kind in ("object", "array") and len(a.members if a.kind == "object" else a.items)
                            != len(b.members if b.kind == "object" else b.items)):
        out.update(positions(a))
        return
    if a.kind == "object":
        for ma, mb in zip(a.members, b.members, strict=True):
            _differ(ma.node, mb.node, out)
    elif a.kind == "array":
        for ia, ib in zip(a.items, b.items, strict=True):
            _differ(ia, ib, out)
    elif a.value != b.value:
        out.add(a.pos)


def _tokenise(node: JNode, opaque: set[Position], sources: Mapping[Position, JNode],
              unsound: set[Position]) -> frozenset[Position]:
    """Each string at an opaque position becomes a token made from its expression: one expression, one token, on
    both sides. A token has the shape its element needs and matches no pattern but a wildcard: sound in a Resource,
    a principal or a condition value. Anywhere else (an Action the solver would not range over, an Effect ...) no
    token is sound: the position goes in ``unsound`` and a statement holding it must be the same on both sides."""
    hit: set[Position] = set()

    def walk(n: JNode, element: str) -> None:
        if n.kind == "object":
            for m in n.members:
                walk(m.node, element if element != "Principal" else m.key)
        elif n.kind == "array":
            for i in n.items:
                walk(i, element)
        elif n.kind == "string" and n.pos in opaque:
            src = sources.get(n.pos)
            basis = json.dumps(src.to_python(), sort_keys=True) if src is not None else str(n.value)
            h = hashlib.sha256(basis.encode()).hexdigest()[:12]
            shaped = token(h, element)
            if shaped is None:
                unsound.add(n.pos)
            else:
                n.value = shaped
            hit.add(n.pos)

    st = node.get("Statement") if node.kind == "object" else None
    for m in node.members if node.kind == "object" else []:
        if m is not st:
            walk(m.node, "")
    items = ([st.node] if st.node.kind == "object" else st.node.items) if st is not None else []
    for item in items:
        for m in item.members if item.kind == "object" else []:
            walk(m.node, m.key)
        if item.kind != "object":
            walk(item, "")
    return frozenset(hit)


def token(h: str, element: str) -> str | None:
    """A stand-in of the shape ``element`` needs that no template writes; None where none is sound."""
    account = f"{int(h, 16) % 10**12:012d}"
    if element in ("Resource", "NotResource"):
        return f"arn:aws:parc-unknown-{h}:{DIFF_REGION}:{account}:parc-unknown-{h}"
    if element in ("AWS", "Federated", "CanonicalUser", "Principal", "NotPrincipal"):
        return f"arn:aws:iam::{account}:role/parc-unknown-{h}"
    if element == "Service":
        return f"parc-unknown-{h}.amazonaws.com"
    if element == "Condition":
        return f"parc-unknown-{h}"
    return None
