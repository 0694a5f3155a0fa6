"""The policies of a simulation, each with the identifier and type the simulator reports and the text its statement
positions are counted in.

AWS's ``MatchedStatements`` name a policy (``SourcePolicyId``: ``PolicyInputList.1`` for the first custom policy,
the policy's name for a principal's own) and give where the statement starts and ends in the document as the
caller sent it. A policy that comes from a loaded snapshot has no "sent" text, so its text is the one
``GetPolicyVersion`` / ``GetRolePolicy`` answer for it (:func:`document_text`): a script that fetches the document
and counts lines finds the statement where the simulator says it is.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_Statement.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_Position.html
https://docs.aws.amazon.com/cli/latest/reference/iam/simulate-custom-policy.html (the example's positions)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache

from parc.core.authz import PolicyCompileError
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import PolicyParseError, parse_policy_strict
from parc.server.iam.protocol import QueryError

_DECODER = json.JSONDecoder()


def document_text(policy: Policy) -> str:
    """The text a snapshot's policy is served as (4-space indented JSON of the document as loaded)."""
    doc = policy.node.to_python() if policy.node is not None else {}
    return json.dumps(doc, indent=4)


@dataclass(slots=True)
class Source:
    """One policy of the simulation. ``key`` is the name the engine's statement references carry."""

    key: str
    policy_id: str
    source_type: str
    """user | group | role | aws-managed | user-managed | resource (AWS's PolicySourceType), or "" to leave out."""
    text: str
    policy: Policy
    _spans: list[tuple[tuple[int, int], tuple[int, int]] | None] | None = field(default=None, repr=False)

    def span(self, statement_index: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """(line, column) just past the statement's opening brace and just past its closing brace, 1-based."""
        if self._spans is None:
            self._spans = [_span(self.text, st.pos.line, st.pos.column) if st.pos else None
                           for st in self.policy.statements]
        return self._spans[statement_index] if 0 <= statement_index < len(self._spans) else None


def _span(text: str, line: int, column: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    lines = text.split("\n")
    if line > len(lines):
        return None
    offset = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
    try:
        _, end = _DECODER.raw_decode(text, offset)
    except ValueError:
        return None
    end_line = text.count("\n", 0, end) + 1
    end_col = end - (text.rfind("\n", 0, end) + 1) + 1
    # AWS counts both ends just past the brace, 1-based: the AWS CLI reference's example policy
    # {"Version":"2012-10-17","Statement":{...}} (167 characters, the statement's { at character 37, its } at 166)
    # is reported as StartPosition (1, 38) and EndPosition (1, 167).
    return (line, column + 1), (end_line, end_col)


@lru_cache(maxsize=2048)
def parse_source(text: str, ptype: PolicyType, key: str, policy_id: str, source_type: str) -> Source:
    """A policy the caller sent: a grammar error is AWS's MalformedPolicyDocument (400), naming the parameter.

    Cached by its text: scripts send the same policies again and again, and a parsed policy is immutable (its
    statement spans are computed once and are the same for every reader)."""
    try:
        policy = parse_policy_strict(text, ptype, key)
    except PolicyParseError as exc:
        raise QueryError("MalformedPolicyDocument", f"{policy_id}: {_first_line(str(exc))}") from None
    except PolicyCompileError as exc:
        raise QueryError("MalformedPolicyDocument", f"{policy_id}: {_first_line(str(exc))}") from None
    if policy.node is None or policy.node.kind != "object" or policy.node.get("Statement") is None:
        # The engine reads a policy without statements as allowing nothing; IAM refuses it.
        raise QueryError("MalformedPolicyDocument", f"{policy_id}: Syntax errors in policy: the policy has no "
                         "Statement element.")
    return Source(key, policy_id, source_type, text, policy)


def snapshot_source(policy: Policy, ptype: PolicyType, key: str, policy_id: str, source_type: str) -> Source:
    """A snapshot's policy re-read from its served text, named ``key`` for the engine."""
    text = document_text(policy)
    try:
        return Source(key, policy_id, source_type, text, parse_policy_strict(text, ptype, key))
    except (PolicyParseError, PolicyCompileError):
        # Loaded with lint errors the strict reader refuses: decided as loaded, its positions left out (they count
        # in the snapshot's file, not in the served text).
        kept = replace(policy, name=key)
        return Source(key, policy_id, source_type, text, kept, [None] * len(kept.statements))


def _first_line(message: str) -> str:
    message = message.strip()
    return message if len(message) <= 1000 else message[:997] + "..."
