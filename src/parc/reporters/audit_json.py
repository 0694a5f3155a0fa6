"""The audit for programs: ``{"findings": [...], "not_checked": [...], "summary": {...}, ...}``.

Each finding has ``id`` (stable for the same snapshot), ``severity`` (CRITICAL, HIGH, MEDIUM, LOW, INFO),
``title``, ``resource``, ``evidence`` (text, file, JSON path, line, column) and ``fix``, plus ``rule``,
``category``, ``account``, ``why``, ``controls`` (the CIS controls it fails:
``cis-aws-7.0:2.4``...) and, where useful, ``details``. With ``--framework``, ``framework`` (``id``, ``title``,
``summary`` by status) and ``controls`` (``id``, ``title``, ``status`` PASS / FAIL / NOT CHECKED / MANUAL,
``findings`` ids, ``missing`` inputs, ``reason``). ``unread`` lists each file with input that
could not be read (``account``, ``part``, ``file``, ``whole_file``, ``problems``, ``gates_fail_on_at_or_below``,
``reason``); ``input_problems`` has each problem with its file, JSON path and line. Keys are written in a fixed order
and findings in the report's order, so two runs over the same snapshot give the same bytes.
"""

from __future__ import annotations

import json

from parc.core.audit.run import AuditReport


def render_audit_json(report: AuditReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
