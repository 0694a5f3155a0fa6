"""What the audit's WAF checks read of one account (``parc.loaders.waf_snapshot`` builds it from ``parc collect``'s
``wafv2/``, ``elbv2/``, ``apigateway/`` and ``cloudfront/`` folders).

Unknown is kept apart from "none": a front door whose association was not read has ``acl_known`` False, a web ACL
whose logging configuration was not read has ``logging`` None, and ``missing`` says what was not given at all; the
checks turn each into "not checked", never into a finding or a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parc.core.audit.model import Evidence
from parc.core.waf.model import References, WebAcl


@dataclass(frozen=True, slots=True)
class WafWhere:
    file: str
    path: str = ""
    line: int | None = None

    def evidence(self, text: str) -> Evidence:
        return Evidence(text, self.file, self.path, self.line)


@dataclass(frozen=True)
class AuditedAcl:
    acl: WebAcl
    scope: str
    """The snapshot folder it came from: a region, or ``cloudfront``."""
    where: WafWhere
    logging: bool | None
    """Whether it has a logging configuration (None: get-logging-configuration was not read for it)."""
    logging_where: WafWhere | None = None


@dataclass(frozen=True)
class FrontDoor:
    """A resource that faces the internet and can carry a web ACL."""

    kind: str
    """``load balancer``, ``API Gateway stage`` or ``CloudFront distribution``."""
    arn: str
    name: str
    region: str
    acl: str | None
    """The ARN (CloudFront: the ARN it names in WebACLId) of its web ACL; None when it has none."""
    acl_known: bool
    """False when its association was not read (a failed get-web-acl-for-resource): not checked."""
    where: WafWhere


@dataclass(frozen=True)
class WafSnapshot:
    acls: tuple[AuditedAcl, ...] = ()
    refs: References = field(default_factory=References)
    doors: tuple[FrontDoor, ...] = ()
    doors_read: tuple[str, ...] = ()
    """What front doors were read: ``load balancers REGION``, ``API Gateway REGION``, ``CloudFront``."""
    missing: tuple[str, ...] = ()
    """What the snapshot lacks or could not read, said as "not checked" (a web ACL listed without its file...)."""
