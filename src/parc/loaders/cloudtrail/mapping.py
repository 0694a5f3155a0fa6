"""A CloudTrail record as the request IAM decided: the principal, the IAM action(s), the resource ARN and the
request context.

Record fields: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
userIdentity: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
Context keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html

The event -> action table is data (``cloudtrail_map.json.gz``), derived by ``tools/gen_cloudtrail_map.py`` from
botocore's service models and the IAM catalog, with its exceptions listed there; it is read once per (eventSource,
eventName) into a ``Plan`` (a log repeats a few hundred events millions of times). What a table cannot say is here:

- the resource: the record's ``resources[]`` ARN that fits one of the action's resource types (AWS's own account
  of what the call touched: a KMS key for Decrypt, whose request names no key,
  https://docs.aws.amazon.com/kms/latest/developerguide/ct-decrypt.html), else the action's ARN templates filled
  from ``requestParameters`` (``${BucketName}`` <- ``bucketName``, ``${ObjectName}`` <- ``key``...),
  ``awsRegion`` and the account; ``*`` for an action without resource-level permissions, or whose resource types
  are all optional when the request names none. STS's AssumeRole* name
  their role in ``requestParameters.roleArn``
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html). When none of this gives an ARN
  the call is not re-decided ("resource not derivable"), but its action still counts as used.
- Lambda logs versioned event names (``GetFunction20150331v2``): the date suffix is dropped when the name as
  logged is not in the table.
- the principal: an IAM user; a role session (decided as the session, reported as its role); the root user.
  Other identity types (AWS services, federated users whose session policy is not logged, Identity Center users,
  other accounts) cannot be re-decided with the snapshot's policies and are counted by type.
- session tags: the tags an ``AssumeRole`` record passes are remembered for the session it creates and become
  ``aws:PrincipalTag/*`` of that session's later calls (a session created before the window has none: counted).
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from parc.core.replay.model import Call, Unmapped

DENIED_CODES = ("accessdenied", "unauthorized")
"""errorCode values meaning IAM refused the call (AccessDenied, AccessDeniedException,
Client.UnauthorizedOperation...)."""
API_EVENT_TYPES = frozenset({"AwsApiCall"})
TRUST_PARAM_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"})
VAR_ALIASES = {
    "objectname": ("key",),
    "rolenamewithpath": ("roleName",),
    "usernamewithpath": ("userName",),
    "groupnamewithpath": ("groupName",),
    "policynamewithpath": ("policyName",),
    "instanceprofilenamewithpath": ("instanceProfileName",),
}
"""Template variables whose request parameter is named otherwise (the catalog's name -> the API's)."""
_VERSIONED = re.compile(r"^(.+?)(\d{8})(v\d+)?$")
_VAR = re.compile(r"\$\{([^}]+)\}")
SESSION_LIMIT = 100_000
PLAN_LIMIT = 65_536
"""Plans kept per table (cleared when full: a log of made-up event names cannot grow memory without bound)."""


@dataclass(frozen=True, slots=True)
class Template:
    """An ARN template of an action's resource type: the regex an ARN of that type matches, and the template as
    its leading text then, per variable, (the variable lowercased, the request parameter names that may fill it,
    lowercased: its own name then its aliases, the text after it)."""

    regex: re.Pattern[str]
    head: str
    variables: tuple[tuple[str, tuple[str, ...], str], ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """How records of one (eventSource, eventName) map: the table's entry and the first action's templates."""

    actions: tuple[str, ...]
    templates: tuple[Template, ...]
    required: bool
    trust_param: bool
    """The first action is an AssumeRole*: the resource is ``requestParameters.roleArn``."""


@lru_cache(maxsize=1)
def default_table() -> EventMap:
    data = resources.files("parc.loaders.cloudtrail").joinpath("cloudtrail_map.json.gz").read_bytes()
    return EventMap(json.loads(gzip.decompress(data)))


class EventMap:
    """The derived table: eventSource -> eventName -> (actions, resource type names), and the ARN templates."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self.events: Mapping[str, Mapping[str, list[Any]]] = table["events"]
        self.templates: Mapping[str, Mapping[str, str]] = table["templates"]
        self.meta = {k: table.get(k) for k in ("botocore", "catalog", "generated_by")}
        self._regex: dict[str, re.Pattern[str]] = {}
        self._plans: dict[tuple[str, str], Plan | str] = {}

    def lookup(self, source: str, name: str) -> tuple[tuple[str, ...], tuple[str, ...], bool] | str:
        """(actions, resource types, whether one is required), or the reason it is not in the table."""
        table = self.events.get(source)
        if table is None:
            return "unknown eventSource"
        entry = table.get(name)
        if entry is None:
            m = _VERSIONED.match(name)
            if m is not None:
                entry = table.get(m.group(1))
        if entry is None:
            return "no IAM action for the event"
        return tuple(entry[0]), tuple(entry[1]), bool(entry[2]) if len(entry) > 2 else True

    def template(self, action: str, rtype: str) -> str | None:
        return self.templates.get(action.split(":", 1)[0], {}).get(rtype)

    def plan(self, source: str, name: str) -> Plan | str:
        """What ``lookup`` says, with the ARN templates of the first action ready to match and fill: worked out
        once per (eventSource, eventName), not per record (a log repeats a few hundred events millions of times).
        """
        key = (source, name)
        hit = self._plans.get(key)
        if hit is not None:
            return hit
        found = self.lookup(source, name)
        out: Plan | str
        if isinstance(found, str):
            out = found
        else:
            actions, rtypes, required = found
            templates: tuple[Template, ...] = ()
            if actions:
                texts = [t for t in (self.template(actions[0], rt) for rt in rtypes) if t is not None]
                templates = tuple(Template(self.regex(t), *_pieces(t)) for t in texts)
            out = Plan(actions, templates, required,
                       bool(actions) and actions[0].lower() in TRUST_PARAM_ACTIONS)
        if len(self._plans) >= PLAN_LIMIT:
            self._plans.clear()
        self._plans[key] = out
        return out

    def regex(self, template: str) -> re.Pattern[str]:
        rx = self._regex.get(template)
        if rx is None:
            parts = _VAR.split(template)
            out = []
            for i, part in enumerate(parts):
                if i % 2 == 0:
                    out.append(re.escape(part))
                else:
                    out.append(".+" if i == len(parts) - 2 else "[^/:]+")
            rx = re.compile("".join(out) + r"\Z")
            self._regex[template] = rx
        return rx


class Sessions:
    """Tags passed by AssumeRole, by the session ARN they created (bounded: cleared when full)."""

    def __init__(self) -> None:
        self.tags: dict[str, dict[str, str]] = {}

    def learn(self, rec: Mapping[str, Any]) -> None:
        params, response = rec.get("requestParameters"), rec.get("responseElements")
        if not isinstance(params, dict) or not isinstance(response, dict):
            return
        tags = params.get("tags")
        user = response.get("assumedRoleUser")
        arn = user.get("arn") if isinstance(user, dict) else None
        if not isinstance(tags, list) or not isinstance(arn, str):
            return
        found = {t["key"]: t["value"] for t in tags
                 if isinstance(t, dict) and isinstance(t.get("key"), str) and isinstance(t.get("value"), str)}
        if found:
            if len(self.tags) >= SESSION_LIMIT:
                self.tags.clear()
            self.tags[arn] = found


def _s(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _params(rec: Mapping[str, Any]) -> Mapping[str, Any]:
    p = rec.get("requestParameters")
    if isinstance(p, str):  # Lake / Athena exports may hold it as a JSON string
        try:
            p = json.loads(p)
        except ValueError:
            return {}
    return p if isinstance(p, dict) else {}


def map_record(rec: Mapping[str, Any], where: str = "", table: EventMap | None = None,
               sessions: Sessions | None = None, keys: frozenset[str] | None = None) -> Call | Unmapped:
    """The call a record logs, or why it cannot be replayed. ``keys``: the context keys to derive (lowercased
    names; None: all), see ``Wanted``."""
    table = table or default_table()
    source, name = _s(rec.get("eventSource")), _s(rec.get("eventName"))
    if source is None or name is None:
        return Unmapped("missing eventSource or eventName")
    etype = rec.get("eventType")
    if etype is not None and not isinstance(etype, str):
        return Unmapped("eventType not a string")
    if etype is not None and etype not in API_EVENT_TYPES:
        return Unmapped(f"not an API call (eventType {etype})")
    ident = rec.get("userIdentity")
    if not isinstance(ident, dict):
        return Unmapped("no userIdentity")
    who = _principal(ident)
    if isinstance(who, Unmapped):
        return who
    principal, reported = who
    plan = table.plan(source, name)
    if isinstance(plan, str):
        return Unmapped(plan)
    actions = plan.actions
    if not actions:
        return Unmapped("needs no permission")
    code = _s(rec.get("errorCode"))
    denied = code is not None and any(c in code.lower() for c in DENIED_CODES)
    if code is not None and not denied:
        return Unmapped("failed with an error other than access denied")
    if sessions is not None and source == "sts.amazonaws.com" and name == "AssumeRole" and not denied:
        sessions.learn(rec)
    resource = _resource(rec, plan, principal)
    if resource is None:
        return Unmapped("resource not derivable", ((reported, actions),))
    return Call(principal, reported, actions, resource, _context(rec, ident, principal, sessions, wanted(keys)),
                _s(rec.get("recipientAccountId")) or _s(ident.get("accountId")), denied, where)


def _principal(ident: Mapping[str, Any]) -> tuple[str, str] | Unmapped:
    kind = ident.get("type")
    arn = _s(ident.get("arn"))
    if kind == "IAMUser" and arn:
        return arn, arn
    if kind == "AssumedRole" and arn:
        ctx = ident.get("sessionContext")
        issuer = ctx.get("sessionIssuer") if isinstance(ctx, dict) else None
        role = _s(issuer.get("arn")) if isinstance(issuer, dict) else None
        if role is None:
            parts = arn.split(":", 5)
            if len(parts) < 6 or not parts[5].startswith("assumed-role/"):
                return Unmapped("malformed role session ARN")
            role = f"arn:{parts[1]}:iam::{parts[4]}:role/{parts[5].split('/')[1]}"
        return arn, role
    if kind == "Root":
        account = _s(ident.get("accountId"))
        if account is None and arn:
            account = arn.split(":")[4] if arn.count(":") >= 5 else None
        if account is None:
            return Unmapped("root without an account id")
        root = f"arn:aws:iam::{account}:root"
        return root, root
    if isinstance(kind, str) and kind:
        return Unmapped(f"identity type {kind} (its policies are not in an account snapshot)")
    return Unmapped("userIdentity without a type or ARN")


def _resource(rec: Mapping[str, Any], plan: Plan, principal: str) -> str | None:
    params = _params(rec)
    if plan.trust_param:
        return _s(params.get("roleArn"))
    templates = plan.templates
    listed = rec.get("resources")
    if isinstance(listed, list) and templates:
        for item in listed:
            arn = _s(item.get("ARN")) if isinstance(item, dict) else None
            if arn and any(t.regex.match(arn) for t in templates):
                return arn
    if templates:
        parts = principal.split(":")
        fixed = {
            "partition": parts[1] if len(parts) > 1 and parts[1] else "aws",
            "region": _s(rec.get("awsRegion")),
            "account": _s(rec.get("recipientAccountId")) or (parts[4] if len(parts) > 4 else None),
        }
        lowered = {k.lower(): v for k, v in params.items()}
        for t in templates:
            filled = _fill(t, fixed, lowered)
            if filled is not None:
                return filled
        return None if plan.required else "*"  # optional resource types only: a request naming none is on "*"
    return "*"


def _pieces(template: str) -> tuple[str, tuple[tuple[str, tuple[str, ...], str], ...]]:
    """``Template``'s head and variables."""
    parts = _VAR.split(template)
    variables = []
    for i in range(1, len(parts), 2):
        var = parts[i].lower()
        variables.append((var, (var, *(a.lower() for a in VAR_ALIASES.get(var, ()))), parts[i + 1]))
    return parts[0], tuple(variables)


@lru_cache(maxsize=65536)
def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _fill(template: Template, fixed: Mapping[str, str | None], params: Mapping[str, Any]) -> str | None:
    """The template filled left to right; None at the first variable nothing fills; a value that is an ARN
    already (a function or key named by ARN) is the resource."""
    out = [template.head]
    for var, names, text in template.variables:
        if var in fixed:
            value = fixed[var]
        else:
            value = None
            for name in names:
                v = params.get(name)
                if isinstance(v, str) and v:
                    value = v
                    break
        if value is None:
            return None
        if value.startswith("arn:"):
            return value
        out.append(value)
        out.append(text)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Wanted:
    """Which of the context keys a record gives are derived: all of them, or only those some policy reads.

    Why: a key no policy reads cannot change a decision, and deriving it is most of the cost of mapping a record
    (the time parsed, the address checked); replay decides with the keys its policies read, and caches decisions
    on exactly those, so leaving the others out changes no answer."""

    ip: bool = True
    via: bool = True
    agent: bool = True
    vpce: bool = True
    region: bool = True
    current_time: bool = True
    epoch_time: bool = True
    secure: bool = True
    mfa: bool = True
    issued: bool = True
    source_identity: bool = True
    tags: bool = True


ALL_KEYS = Wanted()


@lru_cache(maxsize=64)
def wanted(keys: frozenset[str] | None) -> Wanted:
    """The keys of ``keys`` (lowercased context key names; None: every key) that records give."""
    if keys is None:
        return ALL_KEYS
    return Wanted("aws:sourceip" in keys, "aws:viaawsservice" in keys, "aws:useragent" in keys,
                  "aws:sourcevpce" in keys, "aws:requestedregion" in keys, "aws:currenttime" in keys,
                  "aws:epochtime" in keys, "aws:securetransport" in keys, "aws:multifactorauthpresent" in keys,
                  "aws:tokenissuetime" in keys, "aws:sourceidentity" in keys,
                  any(k.startswith("aws:principaltag/") for k in keys))


def _context(rec: Mapping[str, Any], ident: Mapping[str, Any], principal: str,
             sessions: Sessions | None, want: Wanted = ALL_KEYS) -> dict[str, object]:
    ctx: dict[str, object] = {}
    ip = _s(rec.get("sourceIPAddress")) if want.ip or want.via else None
    if ip is not None:
        parsed = _ip(ip)
        if parsed is not None:
            if want.ip:
                ctx["aws:SourceIp"] = parsed
        elif want.via and (ip.endswith(".amazonaws.com") or ip == "AWS Internal"):
            ctx["aws:ViaAWSService"] = "true"  # a service called on the principal's behalf
    agent = _s(rec.get("userAgent")) if want.agent else None
    if agent is not None:
        ctx["aws:UserAgent"] = agent
    vpce = _s(rec.get("vpcEndpointId")) if want.vpce else None
    if vpce is not None:
        ctx["aws:SourceVpce"] = vpce
    region = _s(rec.get("awsRegion")) if want.region else None
    if region is not None:
        ctx["aws:RequestedRegion"] = region
    when = _s(rec.get("eventTime")) if want.current_time or want.epoch_time else None
    if when is not None:
        try:
            moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
            if want.current_time:
                ctx["aws:CurrentTime"] = when
            if want.epoch_time:
                ctx["aws:EpochTime"] = str(int(moment.timestamp()))
        except ValueError:
            pass
    if want.secure and isinstance(rec.get("tlsDetails"), dict):
        ctx["aws:SecureTransport"] = "true"
    session = ident.get("sessionContext")
    attrs = session.get("attributes") if isinstance(session, dict) else None
    if isinstance(attrs, dict):
        mfa = attrs.get("mfaAuthenticated")
        if want.mfa and mfa in ("true", "false"):
            ctx["aws:MultiFactorAuthPresent"] = mfa
        issued = _s(attrs.get("creationDate")) if want.issued else None
        if issued is not None:
            ctx["aws:TokenIssueTime"] = issued
    extra = rec.get("additionalEventData") if want.mfa else None
    if isinstance(extra, dict) and extra.get("MFAUsed") in ("Yes", "No"):
        ctx["aws:MultiFactorAuthPresent"] = "true" if extra["MFAUsed"] == "Yes" else "false"
    source_identity = (_s(session.get("sourceIdentity")) if want.source_identity and isinstance(session, dict)
                       else None)
    if source_identity is not None:
        ctx["aws:SourceIdentity"] = source_identity
    if sessions is not None and want.tags:
        for k, v in sessions.tags.get(principal, {}).items():
            ctx[f"aws:PrincipalTag/{k}"] = v
    return ctx
