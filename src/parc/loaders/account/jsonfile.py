"""Reading the JSON files of a snapshot: a syntax error becomes a finding with the file, line and column."""

from __future__ import annotations

from pathlib import Path

from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JsonSyntaxError, loads


def load_error(code: str, message: str, file: Path | str, path: str = "", pos: Position | None = None) -> Finding:
    return Finding(code, FindingType.ERROR, message, path, pos, file=str(file))


def load_warning(code: str, message: str, file: Path | str, path: str = "") -> Finding:
    return Finding(code, FindingType.WARNING, message, path, None, file=str(file))


def read_json(file: Path) -> tuple[object | None, Finding | None]:
    """The file's JSON value, or a finding saying why it cannot be read."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, load_error("ACCOUNT_FILE_UNREADABLE", f"Cannot read {file.name}: {exc}", file)
    try:
        return loads(text), None
    except JsonSyntaxError as exc:  # syntax, or past a reading limit (parc.core.limits)
        return None, load_error(
            "ACCOUNT_FILE_UNREADABLE",
            f"{file.name} is not valid JSON: {exc.message}",
            file,
            pos=exc.pos,
        )
    except RecursionError:
        return None, load_error("ACCOUNT_FILE_UNREADABLE", f"{file.name}: JSON nested too deeply to read", file)
    except ValueError as exc:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        return None, load_error("ACCOUNT_FILE_UNREADABLE", f"{file.name}: unreadable JSON: {exc}", file)
