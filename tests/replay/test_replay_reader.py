"""The CloudTrail reader: files as AWS delivers them (gzip, in date folders), plain JSON, exports of CloudTrail
Lake / Athena (JSON Lines), get-query-results and lookup-events output; what cannot be read is located or counted.
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-results.html (Lake results: gzip)
https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetQueryResults.html
https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Event.html (CloudTrailEvent: the record as JSON)
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from replay_helpers import record, write_log

from parc.loaders.cloudtrail import ReadProblems, list_files, read_all


def _names(paths: list[str]) -> tuple[list[str], ReadProblems]:
    problems = ReadProblems()
    files = list_files(paths, problems)
    return [rec["eventName"] for _where, rec in read_all(files, problems)], problems


def test_delivered_gz_folders_are_read_in_date_order(tmp_path: Path) -> None:
    write_log(tmp_path, [record("s3.amazonaws.com", "B")], day="2024/05/02")
    write_log(tmp_path, [record("s3.amazonaws.com", "A1"), record("s3.amazonaws.com", "A2")], day="2024/05/01")
    names, problems = _names([str(tmp_path)])
    assert names == ["A1", "A2", "B"]
    assert problems.files_read == 2 and not problems.files


def test_plain_json_file_and_array(tmp_path: Path) -> None:
    p = write_log(tmp_path, [record("s3.amazonaws.com", "A")], compress=False)
    arr = tmp_path / "array.json"
    arr.write_text(json.dumps([record("s3.amazonaws.com", "B")], indent=2))
    names, _ = _names([str(p), str(arr)])
    assert names == ["A", "B"]


def test_lake_export_json_lines_gzip(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(record("s3.amazonaws.com", n)) for n in ("A", "B", "C")) + "\n"
    f = tmp_path / "result_1.json.gz"
    f.write_bytes(gzip.compress(lines.encode()))
    names, problems = _names([str(f)])
    assert names == ["A", "B", "C"] and not problems.files


def test_get_query_results_rows_and_lookup_events(tmp_path: Path) -> None:
    rows = {"QueryStatus": "FINISHED", "QueryResultRows": [
        [{"eventSource": "s3.amazonaws.com"}, {"eventName": "A"}],
        [{"eventSource": "s3.amazonaws.com"}, {"eventName": "B"}]]}
    (tmp_path / "q.json").write_text(json.dumps(rows))
    events = {"Events": [{"EventId": "x", "CloudTrailEvent": json.dumps(record("s3.amazonaws.com", "C"))}]}
    (tmp_path / "r.json").write_text(json.dumps(events))
    names, _ = _names([str(tmp_path / "q.json"), str(tmp_path / "r.json")])
    assert names == ["A", "B", "C"]


def test_digest_and_other_files_are_skipped_and_said(tmp_path: Path) -> None:
    write_log(tmp_path, [record("s3.amazonaws.com", "A")])
    digest = tmp_path / "AWSLogs" / "d.json.gz"
    digest.write_bytes(gzip.compress(json.dumps({"awsAccountId": "1", "digestStartTime": "x"}).encode()))
    (tmp_path / "README.txt").write_text("hi")
    names, problems = _names([str(tmp_path)])
    assert names == ["A"]
    assert sorted(w for _f, w in problems.skipped) == ["a CloudTrail digest file (no records)",
                                                       "not a .json, .jsonl or .gz file"]


def test_broken_file_is_located_and_the_rest_read(tmp_path: Path) -> None:
    write_log(tmp_path, [record("s3.amazonaws.com", "A")], day="2024/05/01")
    bad = write_log(tmp_path, [], day="2024/05/02", name="bad")
    bad.write_bytes(gzip.compress(b'{"Records": [ {"eventName": '))
    trunc = write_log(tmp_path, [record("s3.amazonaws.com", "X")], day="2024/05/03", name="trunc")
    trunc.write_bytes(trunc.read_bytes()[:-10])
    write_log(tmp_path, [record("s3.amazonaws.com", "B")], day="2024/05/04")
    names, problems = _names([str(tmp_path)])
    assert names == ["A", "B"]
    where = [f for f, _e in problems.files]
    assert len(where) == 2 and any("bad" in w and w.endswith(":1") for w in where) and any("trunc" in w for w in where)


def test_bad_lines_and_non_objects_are_counted_not_dropped(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    a, b = (json.dumps(record("s3.amazonaws.com", n)) for n in ("A", "B"))
    f.write_text(a + "\nnot json\n" + b)
    g = tmp_path / "y.json"
    g.write_text(json.dumps({"Records": [1, record("s3.amazonaws.com", "C")]}))
    names, problems = _names([str(f), str(g)])
    assert names == ["A", "B", "C"]
    assert problems.records == {"not JSON": 1, "record is not an object": 1}
    assert problems.files == [(f"{f}:2", "a line that is not JSON (the file's other lines are read)")]


def test_not_cloudtrail_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text('{"Hello": 1}')
    names, problems = _names([str(f)])
    assert names == [] and problems.files and "not CloudTrail records" in problems.files[0][1]


def test_big_files_are_streamed_record_by_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over STREAM_BYTES holding a top-level list is parsed incrementally (ijson); same records, same
    places; a file broken half-way keeps the records before the break and is a located problem."""
    from parc.loaders.cloudtrail import reader

    monkeypatch.setattr(reader, "STREAM_BYTES", 10)
    recs = [record("s3.amazonaws.com", n) for n in ("A", "B", "C")]
    write_log(tmp_path / "d", recs)
    arr = tmp_path / "e" / "lake.json"
    arr.parent.mkdir()
    arr.write_text(json.dumps(recs))
    names, problems = _names([str(tmp_path / "d"), str(arr)])
    assert names == ["A", "B", "C", "A", "B", "C"] and not problems.files
    broken = tmp_path / "f" / "x.json"
    broken.parent.mkdir()
    broken.write_text(json.dumps(recs)[:-300])
    names, problems = _names([str(broken)])
    assert names == ["A", "B"] and len(problems.files) == 1 and problems.files[0][0] == str(broken)


def test_big_files_use_ijson_s_c_backend_when_it_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The streamed parse takes ijson's C backend (yajl2_c) when installed, whatever IJSON_BACKEND says, and falls
    back to another backend (same records) when it does not load."""
    import ijson  # type: ignore[import-untyped]

    from parc.loaders.cloudtrail import reader

    monkeypatch.setattr(reader, "STREAM_BYTES", 10)
    recs = [record("s3.amazonaws.com", n) for n in ("A", "B")]
    arr = tmp_path / "lake.json"
    arr.write_text(json.dumps(recs))
    reader.ijson_backend.cache_clear()
    try:
        ijson.get_backend("yajl2_c")
        assert reader.ijson_backend().backend_name == "yajl2_c"
    except ImportError:
        pass
    real = ijson.get_backend

    def no_c(name: str) -> object:
        if name == "yajl2_c":
            raise ImportError(name)
        return real(name)

    monkeypatch.setattr(ijson, "get_backend", no_c)
    reader.ijson_backend.cache_clear()
    try:
        assert reader.ijson_backend().backend_name != "yajl2_c"
        names, problems = _names([str(arr)])
        assert names == ["A", "B"] and not problems.files
    finally:
        reader.ijson_backend.cache_clear()
