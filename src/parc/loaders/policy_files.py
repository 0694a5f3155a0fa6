"""Read policy documents from files, folders (recursively) and standard input.

Reading never raises: a path that cannot be read comes back as an ``InputError`` (the CLI turns those into exit
code 2), and a file that is read but malformed is left to the validator, which reports where it breaks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from parc.core.policy.jsonpos import JsonSyntaxError, decode_utf8
from parc.core.policy.model import PolicyType

POLICY_SUFFIXES = (".json",)
"""Files picked up when a folder is given; a file named explicitly is read whatever its suffix."""
IAC_SUFFIXES = (".yaml", ".yml", ".template", ".tf")
"""Infrastructure code also picked up in a folder when the caller asks (``parc validate``: CloudFormation and
Terraform); a YAML file there that is not a template is skipped and counted, not reported as broken."""

STDIN_NAME = "-"


@dataclass(frozen=True, slots=True)
class PolicySource:
    name: str
    """How reports name it: the path as given or relative to the working folder, or ``-`` for stdin."""
    text: str | bytes
    """The file's text; its bytes when they are not UTF-8 (the validator reports where, as for a syntax error:
    never replaced silently, which would change what the policy says)."""
    type_hint: PolicyType | None = None
    """From a ``<name>.<type>.json`` file name (``deny-regions.scp.json``), for ``--type auto``."""
    from_folder: bool = False
    """Found by walking a folder (not named by the user)."""


@dataclass(frozen=True, slots=True)
class InputError:
    name: str
    message: str


def type_hint(name: str) -> PolicyType | None:
    """``foo.scp.json`` -> SCP: the second suffix names the policy type when it is one of parc's type names."""
    suffixes = Path(name).suffixes
    if len(suffixes) >= 2:
        candidate = suffixes[-2].lstrip(".").lower()
        for t in PolicyType:
            if t.value == candidate:
                return t
    return None


def _display(path: Path) -> str:
    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return str(path)
    return rel.as_posix()


def _read(path: Path, from_folder: bool = False) -> PolicySource | InputError:
    name = _display(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return InputError(name, f"cannot read {name}: {exc.strerror or exc}")
    try:
        text: str | bytes = decode_utf8(data)
    except JsonSyntaxError:
        text = data
    return PolicySource(name, text, type_hint(name), from_folder)


def _walk(folder: Path, suffixes: tuple[str, ...]) -> Iterable[Path]:
    """Policy files under ``folder``, sorted, skipping hidden files and folders (.git ...)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if not f.startswith(".") and f.lower().endswith(suffixes):
                yield Path(root) / f


def collect(
    paths: Sequence[str], stdin: TextIO | None = None, iac: bool = False
) -> tuple[list[PolicySource], list[InputError]]:
    """The policies named by ``paths`` (files, folders, ``-``), in the order given, and what could not be read.
    ``iac``: folders also give their templates (``IAC_SUFFIXES``)."""
    suffixes = POLICY_SUFFIXES + IAC_SUFFIXES if iac else POLICY_SUFFIXES
    sources: list[PolicySource] = []
    errors: list[InputError] = []
    for raw in paths:
        if raw == STDIN_NAME:
            if stdin is None:
                errors.append(InputError(STDIN_NAME, "standard input is not available"))
                continue
            try:
                sources.append(PolicySource(STDIN_NAME, _stdin_bytes(stdin)))
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(InputError(STDIN_NAME, f"cannot read standard input: {exc}"))
            continue
        path = Path(raw)
        if path.is_dir():
            found = list(_walk(path, suffixes))
            if not found:
                errors.append(InputError(raw, f"no policy files ({', '.join(suffixes)}) under {raw}"))
            for f in found:
                _add(_read(f, from_folder=True), sources, errors)
        elif path.exists():
            _add(_read(path), sources, errors)
        else:
            errors.append(InputError(raw, f"no such file or folder: {raw}"))
    return sources, errors


def _stdin_bytes(stdin: TextIO) -> str | bytes:
    """Standard input's bytes (decoded as files are), or its text when it has no binary buffer (tests)."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:
        return stdin.read()
    data: bytes = buffer.read()
    try:
        return decode_utf8(data)
    except JsonSyntaxError:
        return data


def _add(item: PolicySource | InputError, sources: list[PolicySource], errors: list[InputError]) -> None:
    if isinstance(item, InputError):
        errors.append(item)
    else:
        sources.append(item)
