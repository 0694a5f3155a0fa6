"""``parc diff`` on two versions of a template: each resource's documents compared with the solver's
CheckNoNewAccess (``parc.check_no_new_access``), each counterexample located at the head template's line.

A resource's verdict: FAIL when some assignment of its conditions gives the head access the base does not have
(with the requests, replayed by the engine); UNKNOWN when parc cannot prove it either way (a policy it could not
read, a deploy-time value in a Deny that changed, an attached policy that is not in the template, a solver
timeout); PASS otherwise. A resource only in the head is ``added`` (its access is all new), one only in the base
``removed`` (UNKNOWN when it held Deny statements: what they denied may now be allowed).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from parc.core.findings import Position
from parc.core.policy.jsonpos import JNode
from parc.loaders.iac.pairs import (
    PRINCIPAL_TYPES,
    SAM_TYPES,
    Side,
    branch_assignments,
    condition_names,
    documents,
    external,
    literal_account,
    policy_like,
    targets,
)
from parc.loaders.iac.standins import Doc
from parc.loaders.iac.symbolic import EXAMPLE_ACCOUNT

PASS, FAIL, UNKNOWN = "PASS", "FAIL", "UNKNOWN"
_SOLVER_TYPES = {"identity": "identity", "boundary": "boundary", "trust": "trust", "resource": "resource",
                 "scp": "scp"}
_EMPTY: dict[str, object] = {"Version": "2012-10-17", "Statement": []}


@dataclass
class Located:
    """A counterexample with the head template's place of the statement that grants it."""

    request: dict[str, object]
    file: str
    line: int | None
    column: int | None
    resource: str
    path: str
    when: dict[str, bool]

    def to_dict(self) -> dict[str, object]:
        out = dict(self.request)  # principal, action, resource (the request's ARN), context, statement
        out["location"] = {"file": self.file, "line": self.line, "column": self.column, "resource": self.resource,
                           "path": self.path}
        if self.when:
            out["when"] = dict(self.when)
        return out


@dataclass
class ResourceResult:
    resource: str
    type: str
    status: str
    """PASS, FAIL, UNKNOWN, added or removed."""
    result: str
    reasons: list[str] = field(default_factory=list)
    counterexamples: list[Located] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"resource": self.resource, "type": self.type, "status": self.status, "result": self.result,
                "reason": "; ".join(self.reasons), "counterexamples": [c.to_dict() for c in self.counterexamples]}


def _has(side: Side, rid: str) -> bool:
    return rid in side.policies or rid in side.attachments or rid in side.broken or (
        side.types.get(rid) in (*PRINCIPAL_TYPES, *SAM_TYPES) and bool(documents(side, rid, {})[0]
                                                                     or _ext_any(side, rid)))


def _ext_any(side: Side, rid: str) -> bool:
    return any(external(side, rid, {}).values())


class Budget:
    """The solvers' time for the whole comparison (``--timeout``): each check gets what is left; none left is
    UNKNOWN, never PASS."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


def compare(base: Side, head: Side, timeout: float) -> list[ResourceResult]:
    """Every resource that holds or is given a policy in either version, in the head's order then the base's."""
    order = [r for r in head.types if _has(head, r)] + [r for r in base.types if r not in head.types and _has(base, r)]
    budget = Budget(timeout)
    results = [compare_resource(base, head, rid, budget) for rid in order]
    seen = set(order)
    for rid in [*head.types, *base.types]:
        if rid in seen:
            continue
        seen.add(rid)
        before, after = policy_like(base, rid), policy_like(head, rid)
        if after is not None and after != before:
            rtype = head.types.get(rid) or base.types.get(rid, "")
            results.append(ResourceResult(rid, rtype, "added" if rid not in base.types else UNKNOWN, UNKNOWN, [
                f"{rtype} is a type parc reads no policy from, and its policy properties changed: parc cannot prove "
                "no new access"]))
    return results


def compare_resource(base: Side, head: Side, rid: str, timeout: Budget) -> ResourceResult:
    in_base, in_head = _has(base, rid), _has(head, rid)
    rtype = head.types.get(rid) or base.types.get(rid, "")
    out = ResourceResult(rid, rtype, PASS, PASS)
    for side in (base, head):
        if rid in side.broken:
            why = f"a policy of {rid} could not be read ({side.broken[rid]})"
            if side is head and base.broken.get(rid) == head.broken[rid]:
                out.reasons[-1] = f"{why} in both versions"
            else:
                out.reasons.append(f"{side.name}: {why}")
            out.result = UNKNOWN
    if rid.endswith(".permissions_boundary") and rid in base.attachments \
            and head.attachments.get(rid) != base.attachments[rid]:
        out.reasons.append(f"{rid} is {'removed' if rid not in head.attachments else 'changed'} in the head: the "
                           "cap on the role's or user's access may be lifted")
        out.result = UNKNOWN
    elif rid in head.attachments and head.attachments[rid] != base.attachments.get(rid):
        how = "added" if rid not in base.attachments else "changed"
        out.reasons.append(f"{rid} ({how} in the head) grants access in a way parc does not read (a policy "
                           "attachment, a group membership, or the policy of a type parc reads none from): parc "
                           "cannot prove no new access")
        out.result = UNKNOWN
    if out.result == PASS:
        names = condition_names(base, head, rid)
        branches, every = branch_assignments(names)
        for a in branches:
            _compare_branch(base, head, rid, names.for_base(a), names.for_head(a), a, timeout, out)
        if not every:
            _worse(out, UNKNOWN, f"{len(names.variables())} conditions decide {rid}'s access: {len(branches)} of "
                   "their combinations were compared, not all")
    if not in_base:
        out.status = "added"
    elif not in_head:
        out.status = "removed"
        denies = [d for d in documents(base, rid, {})[0] if _denies(d.node)]
        if denies and out.result == PASS:
            out.result = UNKNOWN
            out.reasons.append("removed with Deny statements: what they denied may now be allowed")
    else:
        out.status = out.result
    if not out.reasons:
        out.reasons.append({PASS: "the head allows nothing the base does not" if in_base and in_head else
                            "nothing to compare", FAIL: "the head allows requests the base does not"}
                           .get(out.result, ""))
    return out


def _compare_branch(base: Side, head: Side, rid: str, bb: Mapping[str, bool], hb: Mapping[str, bool],
                    when: Mapping[str, bool], timeout: Budget, out: ResourceResult) -> None:
    bdocs, bwhy = documents(base, rid, bb)
    hdocs, hwhy = documents(head, rid, hb)
    label = _when(when)
    for w in bwhy + hwhy:
        _worse(out, UNKNOWN, f"{w}{label}")
    if bwhy or hwhy:
        return
    be, he = external(base, rid, bb), external(head, rid, hb)
    for what, label_what in (("managed", "managed policies"), ("groups", "groups"),
                             ("templates", "SAM policy templates, expanded by SAM"), ("role", "a role")):
        added = sorted(he[what] - be[what])
        if added:
            _worse(out, UNKNOWN, f"attaches {', '.join(added)} ({label_what} not in the template: parc does not have "
                   f"their documents){label}")
    if be["boundary"] != he["boundary"] and be["boundary"]:
        local = [d for d in hdocs if d.key == "boundary"] and [d for d in bdocs if d.key == "boundary"]
        if not he["boundary"]:
            _worse(out, UNKNOWN, f"the permissions boundary {', '.join(sorted(be['boundary']))} is removed{label}")
        elif not local:
            _worse(out, UNKNOWN, f"the permissions boundary changes to {', '.join(sorted(he['boundary']))}, a policy "
                   f"not in the template{label}")
    new_targets = sorted(targets(head, rid, hb) - targets(base, rid, bb)) if head.template is not None else []
    if new_targets:
        bdocs = []  # attached to principals it was not attached to: for them, all of its access is new
        out.reasons.append(f"attached to {', '.join(new_targets)} in the head")
    coincidence = literal_account(base) or literal_account(head)
    for key in sorted({d.key for d in bdocs} | {d.key for d in hdocs}):
        b = [d for d in bdocs if d.key == key]
        h = [d for d in hdocs if d.key == key]
        if key == "boundary" and (not h or not b):
            continue  # a boundary added narrows access; a removed one is said above
        cap = Cap([d for d in hdocs if d.key == "boundary"], sorted(he["boundary"])) if key == "identity" else None
        _compare_group(key, b, h, head.name, when, timeout, coincidence, out, cap)


def _when(when: Mapping[str, bool]) -> str:
    if not when:
        return ""
    return " (when " + ", ".join(f"{c} is {'true' if v else 'false'}" for c, v in sorted(when.items())) + ")"


_RANK = {PASS: 0, UNKNOWN: 1, FAIL: 2}


def _worse(out: ResourceResult, result: str, reason: str) -> None:
    if _RANK[result] > _RANK[out.result]:
        out.result = result
    if reason and reason not in out.reasons:
        out.reasons.append(reason)


def _canon(docs: Sequence[Doc]) -> list[str]:
    """The documents as text, each deploy-time value marked: a literal equal to a stand-in is not the same."""
    return sorted(json.dumps(_marked(d.node, d.symbolic), sort_keys=True) for d in docs)


def _marked(node: JNode, symbolic: frozenset[Position]) -> object:
    if node.kind == "object":
        return {m.key: _marked(m.node, symbolic) for m in node.members}
    if node.kind == "array":
        return [_marked(i, symbolic) for i in node.items]
    if node.kind == "string" and node.pos in symbolic:
        return {"<deploy-time value>": node.value}
    return node.value


def _statements(node: JNode) -> list[JNode]:
    st = node.get("Statement")
    if st is None:
        return []
    return [st.node] if st.node.kind == "object" else [i for i in st.node.items if i.kind == "object"]


def _denies(node: JNode) -> bool:
    return any((e := s.get("Effect")) is not None and e.node.value == "Deny" for s in _statements(node))


def _symbolic_in(node: JNode, symbolic: frozenset[object]) -> bool:
    if node.pos in symbolic and node.kind == "string":
        return True
    if node.kind == "object":
        return any(_symbolic_in(m.node, symbolic) for m in node.members)
    if node.kind == "array":
        return any(_symbolic_in(i, symbolic) for i in node.items)
    return False


def _negative(doc: Doc) -> list[str]:
    """Statements holding a deploy-time value where a wider value would allow less (a Deny, a Not* element, a
    negated or Null condition), or one no stand-in is sound for (an Action): a stand-in there is not sound unless
    the other side has the statement as is."""
    out = []
    sym: frozenset[object] = frozenset(doc.symbolic)
    for st in _statements(doc.node):
        effect = st.get("Effect")
        deny = effect is not None and effect.node.value == "Deny"
        parts: list[JNode] = []
        for m in st.members:
            if deny or m.key.startswith("Not"):
                parts.append(m.node)
            elif m.key == "Condition" and m.node.kind == "object":
                parts.extend(op.node for op in m.node.members if "Not" in op.key or op.key.startswith("Null"))
        if any(_symbolic_in(p, sym) for p in parts) or _symbolic_in(st, frozenset(doc.unsound)):
            out.append(json.dumps(st.to_python(), sort_keys=True))
    return out


def _all_statements(docs: Sequence[Doc]) -> set[str]:
    return {json.dumps(s.to_python(), sort_keys=True) for d in docs for s in _statements(d.node)}


@dataclass(frozen=True)
class Cap:
    """The head's permissions boundary of a role or user: its documents when in the template, its ARNs."""

    documents: list[Doc]
    arns: list[str]


def _compare_group(key: str, b: list[Doc], h: list[Doc], head_name: str, when: Mapping[str, bool], timeout: Budget,
                   coincidence: bool, out: ResourceResult, cap: Cap | None = None) -> None:
    label = _when(when)
    if _canon(b) == _canon(h):
        return
    b_all, h_all = _all_statements(b), _all_statements(h)
    doubtful = [s for d in b for s in _negative(d) if s not in h_all] + [s for d in h for s in _negative(d)
                                                                          if s not in b_all]
    if doubtful:
        _worse(out, UNKNOWN, f"{key}: a value known only at deploy time is in a statement that changed, where parc "
               f"cannot stand in for it (a Deny, a Not* element, a negated condition, an Action); parc cannot prove "
               f"no new access{label}")
        return
    solver_type = _SOLVER_TYPES.get(key)
    if solver_type is None:
        _worse(out, UNKNOWN, f"{key} policies changed: parc diff does not compare {key} policies yet{label}")
        return
    from parc.api import check_no_new_access
    from parc.core.authz import PolicyCompileError
    from parc.core.reasoning import ReplayMismatch

    placed: list[list[tuple[Doc, JNode]]] = []
    if solver_type in ("resource", "trust"):
        old = [_merged(b)[0]]
        merged, where = _merged(h)
        new: list[object] = [merged]
        placed = [where]
    else:
        old = [d.python for d in b]  # type: ignore[misc]
        new = [d.python for d in h]
        placed = [[(d, s) for s in _statements(d.node)] for d in h]
    left = timeout.left()
    if left < 0.01:
        _worse(out, UNKNOWN, f"{key}: the time the solvers may take (--timeout) ran out before this check{label}")
        return
    try:
        result = check_no_new_access(old, new, policy_type=solver_type, timeout=left)  # type: ignore[arg-type]
    except (PolicyCompileError, ValueError) as exc:
        _worse(out, UNKNOWN, f"{key}: {exc}{label}")
        return
    except ReplayMismatch as exc:
        _worse(out, UNKNOWN, f"{key}: the engine did not confirm the solver's request (please report): {exc}{label}")
        return
    if result.result == PASS:
        if coincidence and any(d.symbolic for d in b + h):
            _worse(out, UNKNOWN, f"{key}: the template writes account 111122223333, the account parc stands in for "
                   f"AWS::AccountId; parc cannot tell them apart{label}")
        elif solver_type in ("resource", "trust"):
            same_account = _same_account_change(b, h)
            if same_account:
                _worse(out, UNKNOWN, f"{key}: {result.reason}, but {same_account}: parc's resource-policy diff "
                       f"proves only what callers outside the account gain{label}")
            else:
                _worse(out, PASS, f"{key}: {result.reason}{label}")
        return
    if result.result != FAIL:
        _worse(out, UNKNOWN, f"{key}: {result.reason}{label}")
        return
    found = [cx.to_dict() for cx in result.counterexamples]
    if cap is not None and cap.arns:
        found, why = _within_boundary(found, new, cap)
        if not found or why:
            why = why or "but the permissions boundary denies each of them"
            _worse(out, UNKNOWN, f"{key}: the head's policies allow requests the base's do not, {why}; parc cannot "
                   f"prove the boundary stops every such request{label}")
            return
    _worse(out, FAIL, f"{key}: {result.reason}{label}")
    for cx in found:
        out.counterexamples.append(_locate(cx, placed, head_name, out.resource, when))


def _within_boundary(found: list[dict[str, object]], identity: list[object],
                     cap: Cap) -> tuple[list[dict[str, object]], str]:
    """The counterexamples the head's permissions boundary lets through (the engine decides each with the
    boundary); with a boundary not in the template, none can be confirmed: the reason."""
    if not cap.documents:
        return found, f"and the permissions boundary {', '.join(cap.arns)} (not in the template) may deny them"
    from parc.api import compile as compile_policies

    boundary, _ = _merged(cap.documents)
    policies = compile_policies(identity_policies=identity, permissions_boundary=boundary)  # type: ignore[arg-type]
    kept = []
    for cx in found:
        request: dict[str, object] = {k: cx[k] for k in ("principal", "action", "resource", "context") if k in cx}
        if cx.get("resource_account"):
            request["resource_account"] = cx["resource_account"]
        if policies.authorize(request).decision == "Allow":
            kept.append(cx)
    return kept, ""


def _same_account_change(b: Sequence[Doc], h: Sequence[Doc]) -> str:
    """Why a resource or trust policy change may give callers in the resource's own account more (which the
    solver's resource-policy diff does not cover): a Deny the head drops or changes, or an Allow the head adds or
    changes whose principal may be in the account. "" when neither."""
    b_all, h_all = _all_statements(b), _all_statements(h)
    for d in b:
        for st in _statements(d.node):
            e = st.get("Effect")
            if e is not None and e.node.value == "Deny" and json.dumps(st.to_python(), sort_keys=True) not in h_all:
                return "a Deny statement of the base is dropped or changed"
    for d in h:
        for st in _statements(d.node):
            e = st.get("Effect")
            if e is None or e.node.value != "Allow" or json.dumps(st.to_python(), sort_keys=True) in b_all:
                continue
            p = st.get("Principal") or st.get("NotPrincipal")
            if p is None or _maybe_in_account(p.node, d.symbolic):
                return "an Allow statement the head adds or changes may name a caller in the resource's account"
    return ""


def _maybe_in_account(node: JNode, symbolic: frozenset[Position], key: str = "") -> bool:
    if node.kind == "object":
        return any(_maybe_in_account(m.node, symbolic, m.key) for m in node.members)
    if node.kind == "array":
        return any(_maybe_in_account(i, symbolic, key) for i in node.items)
    if key == "Service":
        return False
    v = str(node.value)
    return v == "*" or node.pos in symbolic or EXAMPLE_ACCOUNT in v or not ((len(v) == 12 and v.isdigit())
                                                                            or v.startswith("arn:"))


def _merged(docs: Sequence[Doc]) -> tuple[dict[str, object], list[tuple[Doc, JNode]]]:
    """Resource and trust policies: one document of all the statements (a resource has one such policy)."""
    if not docs:
        return dict(_EMPTY), []
    where: list[tuple[Doc, JNode]] = []
    statements: list[object] = []
    for d in docs:
        for s in _statements(d.node):
            where.append((d, s))
            statements.append(s.to_python())
    return {"Version": "2012-10-17", "Statement": statements}, where


def _locate(request: dict[str, object], placed: list[list[tuple[Doc, JNode]]], head_name: str, resource: str,
            when: Mapping[str, bool]) -> Located:
    st = request.get("statement")
    line = column = None
    path = ""
    if isinstance(st, dict):
        policy = str(st.get("policy", ""))
        index = st.get("index")
        number = policy.rsplit("#", 1)[-1]
        i = int(number) if number.isdigit() else 0
        if 0 <= i < len(placed) and isinstance(index, int) and 0 <= index < len(placed[i]):
            doc, node = placed[i][index]
            line, column = node.pos.line, node.pos.column
            path = doc.path
            resource = doc.resource
            st = dict(st)
            st.update({"line": line, "column": column, "policy": doc.path})
            request["statement"] = st
    return Located(request, head_name, line, column, resource, path, dict(when))


def overall(results: Sequence[ResourceResult], unreadable: bool) -> str:
    if any(r.result == FAIL for r in results):
        return FAIL
    if unreadable or any(r.result == UNKNOWN for r in results):
        return UNKNOWN
    return PASS
