"""Where reports are written (``--output``): never over what the user gave parc to read, and atomically.

Refused (exit 2, before any work is done):
- the output is one of the input files (compared as resolved paths: ``./p.json``, ``p.json`` and a symbolic link
  to it are the same file);
- the output lies inside an input folder and is a file parc would read there (the command says which: ``*.json``
  under a policy folder for ``parc validate``, ``*.json`` and ``*.csv`` in a snapshot folder for ``parc audit``).
  Other files in an input folder (``DIR/report.html``) are allowed: writing them changes nothing parc reads;
- the output's folder does not exist, or the output is a folder.

A report is written to a temporary file in the same folder and renamed over the target, so that a reader (or an
interrupted run) never sees half a report, and an old report is replaced only by a whole new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from parc.cli import exitcodes


class OutputError(click.ClickException):
    """An output path parc refuses to write; a usage error (exit 2)."""

    exit_code = exitcodes.USAGE

    def show(self, file: object = None) -> None:
        click.echo(f"parc: error: {self.format_message()}", err=True)


def json_files(path: Path) -> bool:
    """Files ``parc validate`` reads in a folder: ``*.json``, not hidden."""
    return path.suffix.lower() == ".json" and not any(part.startswith(".") for part in path.parts)


def snapshot_files(path: Path) -> bool:
    """Files the snapshot readers may read in a snapshot folder: every one of them is ``.json`` or ``.csv``."""
    return path.suffix.lower() in (".json", ".csv")


def check_output(output: str, inputs: Iterable[str], reads: Callable[[Path], bool]) -> Path:
    """The output path, resolved, after the checks of the module docstring (OutputError when one fails)."""
    target = Path(output).expanduser().resolve()
    if target.is_dir():
        raise OutputError(f"cannot write the report to {output}: it is a folder")
    if not target.parent.is_dir():
        raise OutputError(f"cannot write the report to {output}: the folder {target.parent} does not exist")
    for raw in inputs:
        if raw == "-":
            continue
        source = Path(raw).expanduser().resolve()
        if source == target:
            raise OutputError(f"refusing to write the report to {output}: it is an input ({raw}), and would be "
                              "replaced by the report")
        if source.is_dir() and target.is_relative_to(source) and reads(target.relative_to(source)):
            raise OutputError(f"refusing to write the report to {output}: it lies in the input folder {raw}, where "
                              "parc would read it as an input")
    return target


def write_atomic(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file in the same folder and a rename (OutputError on
    failure, and the target untouched)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write the report to {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        with contextlib.suppress(OSError):  # keep the mode an existing report had
            os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write the report to {target}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
