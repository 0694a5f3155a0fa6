"""The text reporter: grouped by file, the offending line with a caret, colours by finding type, a summary."""

from __future__ import annotations

import io
import json

from rich.console import Console

from parc.core.lint import validate
from parc.core.policy.model import PolicyType
from parc.reporters.text import render_text


def rendered(*results: object, color: bool = False) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, color_system="standard" if color else None, soft_wrap=True)
    render_text(console, results)  # type: ignore[arg-type]
    return buf.getvalue()


def test_groups_by_file_and_summarises() -> None:
    clean = validate(json.dumps({"Version": "2012-10-17", "Statement": []}), PolicyType.IDENTITY, name="a.json")
    bad = validate('{"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}}', name="b.json")
    out = rendered(clean, bad)
    assert out.index("a.json") < out.index("b.json")
    assert "MISSING_STATEMENT" in out.split("b.json")[0]
    assert "(identity policy, inferred)" in out.split("b.json")[1].splitlines()[0]
    assert out.rstrip().splitlines()[-1] == "2 files, 3 findings: 1 error, 1 security warning, 1 warning"


def test_caret_on_a_long_minified_line_stays_under_the_column() -> None:
    statements = [{"Effect": "Allow", "Action": f"s3:Get{i}", "Resource": "*"} for i in range(40)]
    statements.append({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))
    out = rendered(validate(text, PolicyType.IDENTITY, name="min.json"))
    lines = out.splitlines()
    i = next(i for i, line in enumerate(lines) if line.strip().startswith("1 |"))
    src, caret = lines[i], lines[i + 1]
    assert len(src) < 200  # the line is cut around the column
    assert src[caret.index("^") :].startswith('"*"')


def test_colour_by_type_and_plain_text_without_a_terminal() -> None:
    r = validate('{"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}}', name="c.json")
    assert "\x1b[" not in rendered(r)
    coloured = rendered(r, color=True)
    assert "\x1b[1;35mSECURITY WARNING" in coloured  # bold magenta
    assert "\x1b[33mWARNING" in coloured  # yellow
