"""``ContextEntries`` of the simulator: typed values checked as AWS checks them, handed to the engine as text.

The engine compares context values as text parsed by each condition operator (``parc.core.context``); the
simulator's ``ContextKeyType`` says what a value must be. A value that is not of its type (``numeric`` "ten", an
``ip`` that is no address) is AWS's InvalidInput, never passed on: a condition would read it as "not matching" and
the simulation would answer for a request the caller did not mean. A list type gives a multivalued key even with one
value; a single type takes exactly one value.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ContextEntry.html
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from parc.server.iam.protocol import invalid_input


def _numeric(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return v.strip() == v and v.lower() not in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity")


def _boolean(v: str) -> bool:
    return v.lower() in ("true", "false")


def _ip(v: str) -> bool:
    try:
        ipaddress.ip_network(v, strict=False)
    except ValueError:
        return False
    return True


def _binary(v: str) -> bool:
    try:
        base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _date(v: str) -> bool:
    if v.isdigit():
        return True
    try:
        datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_CHECKS = {"string": None, "numeric": _numeric, "boolean": _boolean, "ip": _ip, "binary": _binary, "date": _date}


def read_context(entries: Sequence[Mapping[str, Any]]) -> dict[str, str | list[str]]:
    """``ContextEntries`` -> the request's context (key as given -> text or list of text)."""
    out: dict[str, str | list[str]] = {}
    seen: dict[str, str] = {}
    for i, entry in enumerate(entries, 1):
        name = entry.get("ContextKeyName")
        if not name:
            raise invalid_input(f"ContextEntries.member.{i}: ContextKeyName is required.")
        values: list[str] = list(entry.get("ContextKeyValues") or [])
        ktype: str = entry.get("ContextKeyType") or ("stringList" if len(values) > 1 else "string")
        is_list = ktype.endswith("List")
        base = ktype[:-4] if is_list else ktype
        check = _CHECKS.get(base)
        if base not in _CHECKS:
            raise invalid_input(f"ContextEntries.member.{i}: unknown ContextKeyType {ktype}.")
        if not is_list and len(values) != 1:
            raise invalid_input(f"ContextEntries.member.{i}: the context key {name} of type {ktype} takes exactly "
                                f"one value (got {len(values)}); use {ktype}List for several.")
        for v in values:
            if check is not None and not check(v):
                raise invalid_input(f"ContextEntries.member.{i}: the value {v!r} of the context key {name} is not "
                                    f"a valid {base}.")
        if base == "boolean":
            values = [v.lower() for v in values]
        lower = name.lower()
        if lower in seen:
            raise invalid_input(f"ContextEntries: the context key {name} is given twice (also as {seen[lower]}); "
                                "key names are case-insensitive.")
        seen[lower] = name
        out[name] = values if is_list else values[0]
    return out
