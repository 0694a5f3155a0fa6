"""The bundled example organization, audited once for the tests that read its report."""

from __future__ import annotations

import pytest
from audit_helpers import EXAMPLE

from parc.core.audit import AuditReport


@pytest.fixture(scope="session")
def example_report() -> AuditReport:
    from datetime import UTC, datetime

    from parc.api import rcp_supported_services
    from parc.catalog import default_catalog
    from parc.core.audit import AuditOptions, audit
    from parc.loaders.snapshot import load_audit_snapshot

    inputs = load_audit_snapshot(EXAMPLE)
    generated = max(a.credential_report.generated for a in inputs.accounts
                    if a.credential_report is not None and a.credential_report.generated is not None)
    assert generated == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    return audit(inputs, AuditOptions(generated, "credential report generation time", default_catalog(),
                                      rcp_supported_services()))
