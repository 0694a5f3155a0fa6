"""Option types shared by several commands: one parser for each kind of value, so that every command accepts and
refuses the same things with the same usage error (exit 2)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
"""The times parc decides at: from the epoch to the end of what Python's datetime holds (a day kept in reserve, so
that a time zone offset cannot push it past year 9999). AWS's times (aws:CurrentTime, aws:EpochTime) are in it."""


def parse_time(value: str) -> datetime:
    """An ISO 8601 date or date-time (UTC when it has no offset) or epoch seconds; ValueError with the reason."""
    text = value.strip()
    if text.isascii() and text.isdigit():
        if len(text) > 12:  # past year 9999 whatever the digits
            raise ValueError(f"{value!r} is out of range: epoch seconds of at most 12 digits (up to year 9999)")
        try:
            at = datetime.fromtimestamp(int(text), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{value!r} is out of range for epoch seconds") from None
    else:
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time (2026-11-30 or 2026-11-30T08:00:00Z) or epoch "
                             "seconds") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    try:
        in_range = EARLIEST <= at <= LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise ValueError(f"{value!r} is out of range: parc decides at times from 1970 to 9999")
    return at


class TimeType(click.ParamType[datetime]):
    """``--at``: a time as ``parse_time`` reads it, a usage error otherwise."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


TIME = TimeType()
