"""IpAddress and Date conditions test common request values as text (issue 6); the answer must be the parsed one.

- IpAddress: a dotted-quad address is in an IPv4 range on an octet boundary (/0, /8, /16, /24, /32) exactly when
  its text starts with the range's octets and a dot. The reference here is Python's ipaddress module.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
- Date: two times written ``YYYY-MM-DDThh:mm:ssZ`` compare as text as they do as times. The reference is the
  parsed comparison, epoch seconds against epoch seconds.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
"""

from __future__ import annotations

import ipaddress
import operator

from hypothesis import given, settings
from hypothesis import strategies as st

from parc.core.conditions import compile_condition
from parc.core.conditions.date import parse_date
from parc.core.conditions.ip import parse_address


def _ip_reference(address: str, ranges: list[str]) -> bool | None:
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        return None
    for r in ranges:
        net = ipaddress.ip_network(r, strict=False)
        if net.version == addr.version and addr in net:
            return True
    return False


octet = st.integers(0, 255).map(str)
aligned_v4 = st.tuples(st.lists(octet, min_size=4, max_size=4).map(".".join), st.sampled_from([0, 8, 16, 24, 32])).map(
    lambda t: f"{t[0]}/{t[1]}"
)
any_v4 = st.tuples(st.lists(octet, min_size=4, max_size=4).map(".".join), st.integers(0, 32)).map(
    lambda t: f"{t[0]}/{t[1]}"
)
near_addresses = st.one_of(
    st.lists(st.one_of(octet, st.sampled_from(["00", "01", "256", "", "1a"])), min_size=3, max_size=5).map(".".join),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
    st.sampled_from(["10.0.0.1", "10.1.2.3", "100.0.0.1", "192.0.2.255", "192.0.20.1", "1.2.3.4 ", "::ffff:10.0.0.1"]),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(aligned_v4, any_v4, st.sampled_from(["10.0.0.0/8", "2001:db8::/32"])), min_size=1,
                max_size=3), near_addresses)
def test_ip_ranges_as_text_agree_with_ipaddress(ranges: list[str], address: str) -> None:
    parse_address.cache_clear()
    expected = _ip_reference(address, ranges)
    ctx = {"aws:sourceip": address}
    assert compile_condition("IpAddress", "aws:SourceIp", ranges, variables=False).evaluate(ctx) is (expected is True)
    assert compile_condition("NotIpAddress", "aws:SourceIp", ranges, variables=False).evaluate(ctx) is (
        expected is False
    )


def test_a_slash_16_prefix_does_not_take_a_longer_octet() -> None:
    """10.1.0.0/16 holds 10.1.2.3 but not 10.10.2.3, although the text "10.1" starts both."""
    cond = compile_condition("IpAddress", "aws:SourceIp", ["10.1.0.0/16"], variables=False)
    assert cond.evaluate({"aws:sourceip": "10.1.2.3"})
    assert not cond.evaluate({"aws:sourceip": "10.10.2.3"})
    assert not cond.evaluate({"aws:sourceip": "010.1.2.3"})  # not an address: no match in either sense


two = st.integers(0, 99).map(lambda n: f"{n:02d}")
canonical_like = st.builds(
    lambda y, mo, d, h, mi, s, z: f"{y:04d}-{mo}-{d}T{h}:{mi}:{s}{z}",
    st.integers(0, 9999), two, two, two, two, two, st.sampled_from(["Z", "Z", "Z", "z", "+00:00", ""]),
)
policy_dates = st.one_of(
    canonical_like,
    st.integers(-62135596800, 253402300799).map(str),
    st.sampled_from(["2026-01-01", "2026-01-01T00:00:00.5Z", "2026-06-30T23:59:59+02:00", "1970", "9999-12-31"]),
)
OPERATORS = {
    "DateLessThan": operator.lt,
    "DateLessThanEquals": operator.le,
    "DateGreaterThan": operator.gt,
    "DateGreaterThanEquals": operator.ge,
}


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(sorted(OPERATORS)), st.lists(policy_dates, min_size=1, max_size=3), canonical_like)
def test_dates_as_text_agree_with_parsed_dates(op: str, values: list[str], request_time: str) -> None:
    cmp = OPERATORS[op]
    parsed = [parse_date(v) for v in values]
    good = [p for p in parsed if p is not None]
    r = parse_date(request_time)
    expected = r is not None and any(cmp(r, p) for p in good)
    cond = compile_condition(op, "aws:CurrentTime", values, variables=False)
    assert cond.evaluate({"aws:currenttime": request_time}) is expected


def test_february_30th_is_not_a_date_even_in_canonical_form() -> None:
    for op in ("DateLessThan", "DateGreaterThan"):
        cond = compile_condition(op, "aws:CurrentTime", ["2026-01-01T00:00:00Z"], variables=False)
        assert not cond.evaluate({"aws:currenttime": "2027-02-30T00:00:00Z"})
    assert compile_condition("DateLessThan", "aws:CurrentTime", ["2026-03-01T00:00:00Z"], variables=False).evaluate(
        {"aws:currenttime": "2024-02-29T12:00:00Z"}  # a leap day is
    )
