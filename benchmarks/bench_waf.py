"""Web ACL evaluation throughput (requests per second) through a 50-rule web ACL (issue 18).

The web ACL is built here, seeded: 50 rules mixing byte matches (every positional constraint) with transformation
chains, regexes (RE2), size constraints, SQLi / XSS matches (libinjection), geo and IP set matches, label rules and
and / or / not, in Count mode except a few Blocks, so most requests run through every rule (the worst case); one
rate-based rule counts the stream. The requests are seeded too: ordinary browsing, query strings with SQL, bodies
with script tags, many headers. Run: ``python benchmarks/bench_waf.py [--requests N] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from parc.core.waf.evaluate import evaluate
from parc.core.waf.model import WebAcl
from parc.core.waf.rate import RateState
from parc.core.waf.request import WafRequest
from parc.loaders.waf import WafFiles, read_data

IPSET = "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/bench/1"
POSITIONS = ("EXACTLY", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CONTAINS_WORD")
FIELDS: list[dict[str, Any]] = [
    {"UriPath": {}}, {"QueryString": {}}, {"AllQueryArguments": {}}, {"SingleHeader": {"Name": "user-agent"}},
    {"Body": {"OversizeHandling": "CONTINUE"}},
    {"Headers": {"MatchPattern": {"All": {}}, "MatchScope": "VALUE", "OversizeHandling": "CONTINUE"}},
    {"Cookies": {"MatchPattern": {"All": {}}, "MatchScope": "ALL", "OversizeHandling": "CONTINUE"}},
]
CHAINS = (["NONE"], ["LOWERCASE"], ["URL_DECODE", "LOWERCASE"], ["URL_DECODE", "HTML_ENTITY_DECODE"],
          ["COMPRESS_WHITE_SPACE", "LOWERCASE"], ["NORMALIZE_PATH"], ["URL_DECODE", "JS_DECODE", "CMD_LINE"])
WORDS = ("admin", "select", "union", "passwd", "script", "wp-login", "debug", "etc", "token", "api")


def _tx(rng: random.Random) -> list[dict[str, Any]]:
    return [{"Priority": i, "Type": t} for i, t in enumerate(rng.choice(CHAINS))]


def _statement(rng: random.Random, i: int) -> dict[str, Any]:
    kind = i % 10
    field = rng.choice(FIELDS)
    word = rng.choice(WORDS)
    if kind in (0, 1, 2):
        import base64
        return {"ByteMatchStatement": {"SearchString": base64.b64encode(word.encode()).decode(), "FieldToMatch": field,
                                       "PositionalConstraint": rng.choice(POSITIONS), "TextTransformations": _tx(rng)}}
    if kind == 3:
        return {"RegexMatchStatement": {"RegexString": f"(?i){word}[0-9]*(/|=)", "FieldToMatch": field,
                                        "TextTransformations": _tx(rng)}}
    if kind == 4:
        return {"SizeConstraintStatement": {"FieldToMatch": field, "ComparisonOperator": "GT", "Size": 200,
                                            "TextTransformations": _tx(rng)}}
    if kind == 5:
        return {"SqliMatchStatement": {"FieldToMatch": {"AllQueryArguments": {}}, "TextTransformations": _tx(rng)}}
    if kind == 6:
        return {"XssMatchStatement": {"FieldToMatch": {"Body": {"OversizeHandling": "CONTINUE"}},
                                      "TextTransformations": _tx(rng)}}
    if kind == 7:
        return {"GeoMatchStatement": {"CountryCodes": rng.sample(["US", "FR", "DE", "CN", "BR", "IN"], 2)}}
    if kind == 8:
        return {"AndStatement": {"Statements": [{"IPSetReferenceStatement": {"ARN": IPSET}},
                                                {"NotStatement": {"Statement": _statement(rng, 0)}}]}}
    return {"OrStatement": {"Statements": [{"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "bench:"}},
                                           _statement(rng, 3)]}}


def build_acl(seed: int = 0, rules: int = 50) -> tuple[WebAcl, WafFiles]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(rules - 1):
        action = {"Block": {}} if i % 17 == 16 else {"Count": {}}
        out.append({"Name": f"rule-{i}", "Priority": i, "Statement": _statement(rng, i), "Action": action,
                    "RuleLabels": [{"Name": f"bench:r{i}"}], "VisibilityConfig": {}})
    out.append({"Name": "rate", "Priority": rules, "Action": {"Block": {}}, "VisibilityConfig": {},
                "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP",
                                                     "EvaluationWindowSec": 60}}})
    files = WafFiles()
    read_data({"WebACL": {"Name": "bench", "ARN": "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/bench/1",
                          "DefaultAction": {"Allow": {}}, "Rules": out, "VisibilityConfig": {}}}, "bench.json", files)
    read_data({"IPSet": {"Name": "bench", "ARN": IPSET, "Addresses": ["203.0.113.0/24", "198.51.100.0/25"]}},
              "ipset.json", files)
    assert not files.findings, files.findings
    return files.acls[0][1], files


def requests(n: int, seed: int = 1) -> list[WafRequest]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        word = rng.choice(WORDS)
        query = rng.choice(["", f"q={word}", "id=1%27%20OR%201%3D1--", f"page={i}&sort=asc"])
        body = rng.choice([b"", b"name=alice&comment=hello", b"<script>alert(1)</script>", b"x" * 500])
        headers = [("Host", "shop.example.com"), ("User-Agent", rng.choice(["Mozilla/5.0", "curl/8.0", "sqlmap"])),
                   ("Cookie", f"session={rng.getrandbits(64):x}; theme=dark")]
        headers += [(f"X-Extra-{j}", "v" * rng.randint(1, 40)) for j in range(rng.randint(0, 15))]
        out.append(WafRequest(rng.choice(["GET", "POST"]), f"/{word}/{i % 50}", query, tuple(headers), body,
                              f"198.51.100.{rng.randint(1, 254)}", rng.choice(["US", "FR", "DE", "JP"]),
                              time=1767225600 + i * 0.01))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    acl, files = build_acl()
    reqs = requests(args.requests)
    rates = []
    actions: dict[str, int] = {}
    for _ in range(args.rounds):
        state = RateState(replay=True)
        start = time.perf_counter()
        for r in reqs:
            v = evaluate(acl, r, files.refs, (), state)
            actions[v.action] = actions.get(v.action, 0) + 1
        rates.append(len(reqs) / (time.perf_counter() - start))
    print(f"bench_waf: {len(acl.rules)}-rule web ACL, {len(reqs)} requests x {args.rounds} rounds: "
          f"median {statistics.median(rates):,.0f} requests/s (best {max(rates):,.0f}); actions {actions}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
