"""``parc waf check`` and ``parc waf test`` end to end over examples/waf: the JSON shape the issue asks for, the
replay of HAR / ALB / CloudFront corpora (rate-based rules over time), and bad input: exit 2 with file and line,
never a traceback, the rest still analysed."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from parc.cli.main import cli
from parc.loaders.waf_traffic import load_traffic

EX = Path(__file__).resolve().parents[2] / "examples" / "waf"
REFS = ["--ip-sets", str(EX / "ip-set.json"), "--regex-sets", str(EX / "regex-pattern-set.json"),
        "--rule-groups", str(EX / "rule-group.json")]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["waf", *args])
    return result.exit_code, result.stdout, result.stderr


def test_check_json_shape() -> None:
    code, out, _ = run("check", str(EX / "web-acl.json"), str(EX / "request-sqli.json"), *REFS, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["action"] == "BLOCK" and doc["terminating_rule"] == "block-sqli-query"
    assert isinstance(doc["labels"], list)
    assert [set(r) >= {"name", "priority", "matched", "action", "details"} for r in doc["rules"]] == [True] * len(
        doc["rules"])
    sqli = doc["rules"][-1]
    assert sqli["details"][0]["transformations"] == ["URL_DECODE", "HTML_ENTITY_DECODE"]
    assert sqli["details"][0]["matched_text"] == "1' OR '1'='1"


def test_check_text_names_the_rule_and_the_caveat_of_a_managed_group() -> None:
    code, out, _ = run("check", str(EX / "web-acl.json"), str(EX / "requests.json"), *REFS)
    assert code == 0
    assert "BLOCK by rule block-non-eu-admin  [NOT FINAL" in out
    assert "aws-common: NOT EVALUATED" in out


def test_check_without_references_is_not_final() -> None:
    code, out, _ = run("check", str(EX / "web-acl.json"), str(EX / "request-sqli.json"), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["final"] is False  # the IP set of rule 0 was not given: it could have blocked first
    assert doc["rules"][0]["matched"] is None


def test_check_bad_acl_exits_2_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "acl.json"
    bad.write_text('{"WebACL": {"Name": "x",\n "DefaultAction": {"Allow": {}},\n "Rules": [}\n}')
    code, _, err = run("check", str(bad), str(EX / "request-sqli.json"))
    assert code == 2
    assert f"{bad}:3" in err
    assert "Traceback" not in err


def test_check_bad_rule_is_located_and_the_rest_evaluated(tmp_path: Path) -> None:
    doc = json.loads((EX / "web-acl.json").read_text())
    doc["WebACL"]["Rules"][3]["Statement"]["SqliMatchStatement"]["FieldToMatch"] = "AllQueryArguments"
    path = tmp_path / "acl.json"
    path.write_text(json.dumps(doc, indent=2))
    code, out, err = run("check", str(path), str(EX / "request-sqli.json"), *REFS, "--format", "json")
    assert code == 2
    assert "FieldToMatch should be an object" in err and f"{path}:" in err
    verdict = json.loads(out)
    assert verdict["rules"][3]["matched"] is None and verdict["final"] is False


def test_check_bad_request_exits_2(tmp_path: Path) -> None:
    req = tmp_path / "r.json"
    req.write_text(json.dumps({"method": "GET", "uri": 5}))
    code, _, err = run("check", str(EX / "web-acl.json"), str(req))
    assert code == 2
    assert "uri should be a string" in err


def test_replay_over_logs_and_har() -> None:
    code, out, _ = run("test", str(EX / "web-acl.json"), str(EX / "alb-access.log"), str(EX / "cloudfront-access.log"),
                       str(EX / "session.har"), *REFS, "--geoip", str(EX / "geoip.csv"), "--client-ip", "198.51.100.77",
                       "--format", "json")
    assert code == 0
    doc = json.loads(out)
    actions = [r["action"] for r in doc["requests"]]
    # 25 POSTs to /login from one IP in 25 s: the rate-based rule (limit 20 in 60 s) blocks from the 21st on
    assert actions[:25] == ["ALLOW"] * 20 + ["BLOCK"] * 5
    assert doc["totals"]["terminating_rules"]["login-rate-limit"] == 5
    by_uri = {r["uri"]: r for r in doc["requests"]}
    assert by_uri["/comment"]["action"] == "BLOCK"  # HAR keeps the body
    assert by_uri["/login?next=/"]["action"] == "CHALLENGE"  # CloudFront log's user agent: sqlmap
    # a log keeps no body: the XSS-on-body rule is not evaluated for log requests, never "no match"
    assert doc["totals"]["not_evaluated_rules"]["block-xss-body"] >= 28


def test_log_reader_locates_a_bad_line(tmp_path: Path) -> None:
    log = tmp_path / "alb.log"
    good = (EX / "alb-access.log").read_text().splitlines()[0]
    log.write_text(good + "\nnot a log line\n")
    reqs, findings, kind = load_traffic(log)
    assert kind == "alb" and len(reqs) == 1
    assert findings[0].position is not None and findings[0].position.line == 2


def test_a_url_that_is_not_one_is_located_and_left_out(tmp_path: Path) -> None:
    """An unbalanced IPv6 bracket in the host (found by the fuzz run: urlsplit raised) is a located problem in an
    ALB log and in a HAR file; the good entries are still read."""
    lines = (EX / "alb-access.log").read_text().splitlines()
    good = lines[0]
    target = good.split('"')[1].split(" ")[1]
    log = tmp_path / "alb.log"
    log.write_text(good + "\n" + good.replace(target, "https://[::1/login") + "\n")
    reqs, findings, kind = load_traffic(log)
    assert kind == "alb" and len(reqs) == 1
    assert findings[0].position is not None and findings[0].position.line == 2 and "not a URL" in findings[0].message
    har = tmp_path / "s.har"
    har.write_text(json.dumps({"log": {"entries": [
        {"request": {"method": "GET", "url": "https://[::1/a", "headers": []}},
        {"request": {"method": "GET", "url": "https://shop.example.com/b", "headers": []}}]}}))
    reqs, findings, kind = load_traffic(har)
    assert len(reqs) == 1 and reqs[0].uri_path == "/b" and "log.entries[0]" in findings[0].message


def test_cloudfront_without_fields_line_is_an_error(tmp_path: Path) -> None:
    log = tmp_path / "cf.log"
    log.write_text("#Version: 1.0\n#Fields: date time\n2026-12-01\n")
    _, findings, kind = load_traffic(log)
    assert kind == "cloudfront" and findings


def test_statement_parc_does_not_evaluate_is_a_warning_not_bad_input(tmp_path: Path) -> None:
    doc = json.loads((EX / "web-acl.json").read_text())
    doc["WebACL"]["Rules"][0]["Statement"] = {"AsnMatchStatement": {"AsnList": [64496]}}
    doc["WebACL"]["Rules"][1]["Statement"]["RegexPatternSetReferenceStatement"]["FieldToMatch"] = {"UriFragment": {}}
    path = tmp_path / "acl.json"
    path.write_text(json.dumps(doc, indent=2))
    code, out, err = run("check", str(path), str(EX / "request-sqli.json"), *REFS, "--format", "json")
    assert code == 0
    assert "AsnMatchStatement is not evaluated by parc" in err and "UriFragment" in err
    verdict = json.loads(out)
    assert verdict["rules"][0]["matched"] is None and verdict["rules"][1]["matched"] is None
    assert verdict["final"] is False
