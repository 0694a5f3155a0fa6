"""The fast IPv4 path of the IpAddress operators reads addresses exactly as Python's ipaddress module does."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from parc.core.conditions.ip import parse_address


def _reference(text: str) -> tuple[int, int] | None:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    return addr.version, int(addr)


octet_text = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["00", "01", "007", "", " 1", "+1", "1e1", "٣"]))


@settings(max_examples=500, deadline=None)
@given(st.lists(octet_text, min_size=3, max_size=5).map(".".join))
def test_dotted_strings_parse_like_ipaddress(text: str) -> None:
    parse_address.cache_clear()
    assert parse_address(text) == _reference(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.ip_addresses().map(str)))
def test_any_text_parses_like_ipaddress(text: str) -> None:
    parse_address.cache_clear()
    assert parse_address(text) == _reference(text)
