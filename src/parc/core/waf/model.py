"""AWS WAF (wafv2) web ACLs and rule groups as frozen values: rules, statements, request components, actions.

The shapes follow the wafv2 API (``GetWebACL`` / ``GetRuleGroup``) one to one, so a loader maps each JSON object to
one class here and a reader of the code can look the field up in the API reference. Anything parc cannot evaluate
(an AWS managed rule group, whose contents AWS does not publish; a statement type newer than parc) stays in the
model as ``ManagedRuleGroup`` / ``Unsupported`` so the evaluation can say it did not evaluate it, never guess.

Byte-oriented: AWS inspects bytes (a search string is a blob in the API), so search strings and request components
are ``bytes``; regex patterns are text, compiled for RE2 over UTF-8 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ActionKind = Literal["ALLOW", "BLOCK", "COUNT", "CAPTCHA", "CHALLENGE"]
"""A rule action or a default action (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-action.html)."""

TERMINATING: frozenset[str] = frozenset({"ALLOW", "BLOCK"})
"""Actions that always stop the web ACL's evaluation; CAPTCHA and CHALLENGE stop it only without a valid token."""


@dataclass(frozen=True, slots=True)
class CustomResponse:
    """Block's custom response: the status code, headers, and the key of a body in CustomResponseBodies."""

    code: int
    headers: tuple[tuple[str, str], ...] = ()
    body_key: str | None = None


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    custom_response: CustomResponse | None = None
    inserted_headers: tuple[tuple[str, str], ...] = ()
    """CustomRequestHandling.InsertHeaders of Allow / Count / CAPTCHA / Challenge (sent on as x-amzn-waf-<name>)."""


@dataclass(frozen=True, slots=True)
class Transformation:
    priority: int
    type: str


@dataclass(frozen=True, slots=True)
class MatchPattern:
    """Headers / Cookies / JsonBody MatchPattern: All, or included / excluded names (JSON pointers for JSON)."""

    all: bool = True
    included: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


ComponentKind = Literal[
    "UriPath", "QueryString", "SingleQueryArgument", "AllQueryArguments", "SingleHeader", "Headers", "Cookies",
    "Body", "JsonBody", "Method", "JA3Fingerprint", "JA4Fingerprint", "HeaderOrder",
]


@dataclass(frozen=True, slots=True)
class FieldToMatch:
    """The request component a statement inspects (https://docs.aws.amazon.com/waf/latest/developerguide/
    waf-rule-statement-fields-list.html)."""

    kind: ComponentKind
    name: str | None = None
    """SingleHeader / SingleQueryArgument name (compared case-insensitively)."""
    pattern: MatchPattern = MatchPattern()
    scope: str = "ALL"
    """MatchScope KEY / VALUE / ALL (Headers, Cookies, JsonBody)."""
    oversize: str = "CONTINUE"
    """OversizeHandling CONTINUE / MATCH / NO_MATCH (Body, JsonBody, Headers, Cookies, HeaderOrder)."""
    invalid_fallback: str | None = None
    """JsonBody InvalidFallbackBehavior MATCH / NO_MATCH / EVALUATE_AS_STRING; None when not set."""
    fallback: str = "NO_MATCH"
    """JA3 / JA4 FallbackBehavior when the fingerprint is not available."""


@dataclass(frozen=True, slots=True)
class ForwardedIP:
    """ForwardedIPConfig (geo match, rate-based) or IPSetForwardedIPConfig (with position FIRST / LAST / ANY)."""

    header: str
    fallback: str = "NO_MATCH"
    position: str = "FIRST"


@dataclass(frozen=True, slots=True)
class ByteMatch:
    field: FieldToMatch
    search: bytes
    positional: str
    transforms: tuple[Transformation, ...] = ()


@dataclass(frozen=True, slots=True)
class RegexMatch:
    field: FieldToMatch
    pattern: str
    transforms: tuple[Transformation, ...] = ()


@dataclass(frozen=True, slots=True)
class RegexSetMatch:
    field: FieldToMatch
    arn: str
    transforms: tuple[Transformation, ...] = ()


@dataclass(frozen=True, slots=True)
class SizeConstraint:
    field: FieldToMatch
    operator: str
    size: int
    transforms: tuple[Transformation, ...] = ()


@dataclass(frozen=True, slots=True)
class SqliMatch:
    field: FieldToMatch
    sensitivity: str = "LOW"
    transforms: tuple[Transformation, ...] = ()


@dataclass(frozen=True, slots=True)
class XssMatch:
    field: FieldToMatch
    transforms: tuple[Transformation, ...] = ()


@dataclass(frozen=True, slots=True)
class GeoMatch:
    countries: tuple[str, ...]
    forwarded: ForwardedIP | None = None


@dataclass(frozen=True, slots=True)
class IPSetMatch:
    arn: str
    forwarded: ForwardedIP | None = None


@dataclass(frozen=True, slots=True)
class LabelMatch:
    scope: str
    """LABEL or NAMESPACE."""
    key: str


@dataclass(frozen=True, slots=True)
class RateKey:
    """One CustomKeys entry of a rate-based statement: its kind (Header, Cookie, QueryArgument, QueryString,
    HTTPMethod, ForwardedIP, IP, LabelNamespace, UriPath, JA3Fingerprint, JA4Fingerprint), the name or namespace it
    reads, and its transformations."""

    kind: str
    name: str | None = None
    transforms: tuple[Transformation, ...] = ()


@dataclass(frozen=True, slots=True)
class RateBased:
    limit: int
    aggregate: str
    """AggregateKeyType IP / FORWARDED_IP / CUSTOM_KEYS / CONSTANT."""
    window: int = 300
    forwarded: ForwardedIP | None = None
    keys: tuple[RateKey, ...] = ()
    scope_down: Statement | None = None


@dataclass(frozen=True, slots=True)
class And:
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Or:
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Not:
    statement: Statement


@dataclass(frozen=True, slots=True)
class RuleGroupRef:
    """RuleGroupReferenceStatement: a customer rule group, evaluated from its get-rule-group output."""

    arn: str
    excluded: tuple[str, ...] = ()
    overrides: tuple[tuple[str, Action], ...] = ()


@dataclass(frozen=True, slots=True)
class ManagedRuleGroup:
    """ManagedRuleGroupStatement: AWS's or a Marketplace seller's rules, whose contents are not public."""

    vendor: str
    name: str
    version: str | None = None
    excluded: tuple[str, ...] = ()
    overrides: tuple[tuple[str, Action], ...] = ()
    scope_down: Statement | None = None


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A statement parc does not evaluate (named by its API key, e.g. AsnMatchStatement): reported as not
    evaluated."""

    kind: str


Statement = (ByteMatch | RegexMatch | RegexSetMatch | SizeConstraint | SqliMatch | XssMatch | GeoMatch | IPSetMatch
             | LabelMatch | RateBased | And | Or | Not | RuleGroupRef | ManagedRuleGroup | Unsupported)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    priority: int
    statement: Statement
    action: Action | None = None
    """Action for a rule with a plain statement; None for a rule group reference (which has override_action)."""
    override_action: str | None = None
    """OverrideAction of a rule group reference: NONE (the group's own actions) or COUNT."""
    labels: tuple[str, ...] = ()
    """RuleLabels, as written (short names; the namespace is added at evaluation)."""
    path: str = ""
    """Where the rule was read (JSON path), for messages."""


@dataclass(frozen=True, slots=True)
class RuleGroup:
    name: str
    arn: str
    rules: tuple[Rule, ...]
    capacity: int | None = None
    label_namespace: str | None = None
    custom_response_bodies: tuple[tuple[str, str], ...] = ()


BODY_LIMITS: dict[str, int] = {
    "APPLICATION_LOAD_BALANCER": 8 * 1024,
    "APPSYNC": 8 * 1024,
    "CLOUDFRONT": 16 * 1024,
    "API_GATEWAY": 16 * 1024,
    "COGNITO_USER_POOL": 16 * 1024,
    "APP_RUNNER_SERVICE": 16 * 1024,
    "VERIFIED_ACCESS_INSTANCE": 16 * 1024,
}
"""Default body inspection limits by protected resource type; CLOUDFRONT, API_GATEWAY, COGNITO_USER_POOL,
APP_RUNNER_SERVICE and VERIFIED_ACCESS_INSTANCE can raise theirs to 64 KB in AssociationConfig
(https://docs.aws.amazon.com/waf/latest/developerguide/waf-oversize-request-components.html)."""


@dataclass(frozen=True, slots=True)
class WebAcl:
    name: str
    arn: str
    default_action: Action
    rules: tuple[Rule, ...]
    scope: str = "REGIONAL"
    """CLOUDFRONT or REGIONAL (from the ARN: ``:global/webacl/`` is CloudFront)."""
    capacity: int | None = None
    label_namespace: str | None = None
    body_limits: tuple[tuple[str, int], ...] = ()
    """AssociationConfig.RequestBody: resource type -> inspection limit in bytes."""
    custom_response_bodies: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class IPSet:
    arn: str
    name: str
    addresses: tuple[str, ...]
    version: str = "IPV4"


@dataclass(frozen=True, slots=True)
class RegexPatternSet:
    arn: str
    name: str
    patterns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class References:
    """What statements refer to by ARN: IP sets, regex pattern sets, rule groups. A reference missing here makes
    its statement not evaluated, never a guessed match."""

    ip_sets: dict[str, IPSet] = field(default_factory=dict)
    regex_sets: dict[str, RegexPatternSet] = field(default_factory=dict)
    rule_groups: dict[str, RuleGroup] = field(default_factory=dict)
