"""Fuzz the wafv2 loader (``parc.loaders.waf``) and the request reader (``parc.loaders.waf_request``) with the
evaluation over what they read (issue 18): the example web ACL, rule group and request, mutated structurally (a value
replaced, deleted, duplicated, nested deep, wrapped) and byte-wise.

Nothing raises; every problem is a finding located in the file it is about; a web ACL that was read always gives a
verdict, and one with a statement that could not be read is never final unless the decision came before it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st
from snapshot_mutations import bytewise, structural

from parc.core.waf.evaluate import evaluate
from parc.core.waf.rate import RateState
from parc.loaders.waf import load_files
from parc.loaders.waf_request import load_requests

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "waf"
ACL_FILES = ("web-acl.json", "rule-group.json", "ip-set.json", "regex-pattern-set.json")


@st.composite
def mutated(draw: st.DrawFn, names: tuple[str, ...]) -> tuple[str, str]:
    name = draw(st.sampled_from(names))
    text = (EXAMPLE / name).read_text()
    if draw(st.booleans()):
        doc, _, _, _ = draw(structural(json.loads(text)))
        return name, json.dumps(doc)
    return name, draw(bytewise(text))


def _write(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    return folder / name


@fuzz
@given(mutated(ACL_FILES))
def test_waf_loader_never_raises_and_locates_problems(case: tuple[str, str]) -> None:
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = [_write(folder, n, text if n == name else (EXAMPLE / n).read_text()) for n in ACL_FILES]
        files = load_files(list(paths))
        for f in files.findings:
            assert f.file is not None and Path(f.file).parent == folder, f
        requests, problems = load_requests(EXAMPLE / "requests.json")
        assert problems == []
        rates = RateState(replay=True)
        for _, acl in files.acls:
            for r in requests:
                v = evaluate(acl, r, files.refs, (), rates)
                assert v.action in ("ALLOW", "BLOCK", "COUNT", "CAPTCHA", "CHALLENGE")
                if any(rr.matched is None for rr in v.rules):
                    assert v.final is False


@fuzz
@given(mutated(("requests.json",)))
def test_waf_request_reader_never_raises(case: tuple[str, str]) -> None:
    _, text = case
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "requests.json", text)
        requests, problems = load_requests(path)
        for p in problems:
            assert p.file == str(path)
        files = load_files([EXAMPLE / n for n in ACL_FILES])
        (_, acl), = files.acls
        for r in requests:
            evaluate(acl, r, files.refs, (), RateState(replay=True))


@fuzz
@given(st.sampled_from(("alb-access.log", "cloudfront-access.log", "session.har")).flatmap(
    lambda name: st.tuples(st.just(name), bytewise((EXAMPLE / name).read_text()))))
def test_waf_traffic_reader_never_raises(case: tuple[str, str]) -> None:
    from parc.loaders.waf_traffic import load_traffic

    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), name, text)
        requests, problems, _ = load_traffic(path)
        for p in problems:
            assert p.file == str(path)
        files = load_files([EXAMPLE / n for n in ACL_FILES])
        (_, acl), = files.acls
        rates = RateState(replay=True)
        for r in requests:
            evaluate(acl, r, files.refs, (), rates)
