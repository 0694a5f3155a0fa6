"""Lines for located findings: a loader reports a file and a JSON path; the file is read again for the positions of
those paths (only when there are such findings) and each finding gets its path's line and column, so that every
problem of a snapshot says where it is, in the audit and in the account and network commands alike.

The positions are the positioned reader's (``parc.core.policy.jsonwhere`` follows only the paths asked, the rest
of the file is skipped at the standard library's speed): a path that is not all there is shown at its deepest part
that is."""

from __future__ import annotations

from pathlib import Path

from parc.core.findings import Finding
from parc.core.policy.jsonwhere import Path as JsonPath
from parc.core.policy.jsonwhere import deepest, path_parts


def locate(findings: list[Finding]) -> None:
    """Give findings with a JSON path a line and column (their files read again only when there are any)."""
    by_file: dict[str, list[int]] = {}
    for i, fd in enumerate(findings):
        if fd.file and fd.path and fd.position is None:
            by_file.setdefault(fd.file, []).append(i)
    for file, indexes in by_file.items():
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
            bare = text.lstrip(" \t\n\r").startswith("[")
            paths = {i: _parts(findings[i].path, bare) for i in indexes}
            found = deepest(text, paths.values())
        except (OSError, ValueError, RecursionError):  # unreadable now: the findings keep no line
            continue
        for i in indexes:
            fd, pos = findings[i], found.get(paths[i])
            if pos is not None:
                findings[i] = Finding(fd.code, fd.finding_type, fd.message, fd.path, pos, fd.file, fd.learn_more,
                                      fd.fix, dict(fd.details))


def _parts(path: str, bare: bool) -> JsonPath:
    """The path's parts; in a file that is a bare list, the key the loader put before its index is not in the
    file (``SecurityGroups[3].GroupId`` is ``[3].GroupId`` there; a path with no index is the list itself)."""
    if bare:
        return path_parts("[" + path.split("[", 1)[1]) if "[" in path else ()
    return path_parts(path)
