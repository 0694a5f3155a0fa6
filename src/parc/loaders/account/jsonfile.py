"""Reading the JSON files of a snapshot: a syntax error becomes a finding with the file, line and column."""

from __future__ import annotations

from pathlib import Path

from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JsonSyntaxError, loads


def load_error(code: str, message: str, file: Path | str, path: str = "", pos: Position | None = None) -> Finding:
    return Finding(code, FindingType.ERROR, message, path, pos, file=str(file))


def load_warning(code: str, message: str, file: Path | str, path: str = "") -> Finding:
    return Finding(code, FindingType.WARNING, message, path, None, file=str(file))


class SharedReads:
    """What the account loader read of the IAM export, for a caller that reads the same files again in the same
    load (the audit's policy documents, ``parc.loaders.policy_documents``), so that they are not decoded and their
    documents not serialised twice: each file's text and values, kept only when no key is given twice in it (its
    values are then the same whichever repetition a reader keeps), and each policy document's compact JSON text by
    the identity of its values (the entry keeps them alive, so an id is not reused)."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, object]] = {}
        self.compact: dict[int, tuple[object, str]] = {}

    def compact_text(self, value: object) -> str | None:
        """The compact text the loader wrote of these very values, if it did."""
        hit = self.compact.get(id(value))
        return hit[1] if hit is not None and hit[0] is value else None


def read_json(file: Path, shared: SharedReads | None = None) -> tuple[object | None, Finding | None]:
    """The file's JSON value, or a finding saying why it cannot be read. ``shared``: what was read is kept there."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, load_error("ACCOUNT_FILE_UNREADABLE", f"Cannot read {file.name}: {exc}", file)
    try:
        if shared is not None:
            repeated: list[str] = []
            value = loads(text, repeated=repeated)
            if not repeated:
                shared.files[str(file)] = (text, value)
            return value, None
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
