"""Exit codes shared by every command, and the one place that turns an exception into one.

0 clean; 1 findings at or above --fail-on (or an --expect mismatch); 2 bad usage or unreadable input (with the
message and, where the reader has it, the file, line and column); 3 an internal error, a bug in parc (a short
message asking for a report; the traceback only with PARC_DEBUG=1). A crash is never 1: CI would read it as
"findings". 130 when interrupted (Ctrl-C); a closed output pipe (``parc ... | head``) ends quietly.
"""

from __future__ import annotations

import os
import sys
import traceback

OK = 0
FINDINGS = 1
USAGE = 2
INTERNAL = 3
INTERRUPTED = 130
BROKEN_PIPE = 141
"""128 + SIGPIPE, what a shell reports for a command whose reader went away."""

INPUT_ERRORS = frozenset({
    "parc.core.policy.jsonpos.JsonSyntaxError",
    "parc.core.policy.parse.PolicyParseError",
    "parc.core.authz.compile.PolicyCompileError",
    "parc.core.authz.request.RequestError",
    "parc.core.authz.principal.PrincipalError",
    "parc.core.conditions.UnknownOperatorError",
    "parc.core.catalog.OperatorError",
    "parc.core.network.traffic.ProtocolError",
    "parc.core.network.network.UnknownEndpoint",
    "parc.core.account.principals.UnknownPrincipal",
    "parc.loaders.ec2.Ec2LoadError",
    "parc.loaders.account.SnapshotError",
})
"""parc's exception types that mean "the input is wrong", by qualified name: matching names (not importing the
classes) keeps this module free of imports, and an exception can only come from a module already loaded. A
ValueError of any other type is a bug, not bad input: it exits 3, never 2."""


def is_input_error(exc: BaseException) -> bool:
    if isinstance(exc, (OSError, UnicodeError)):
        return True
    return any(f"{c.__module__}.{c.__qualname__}" in INPUT_ERRORS for c in type(exc).__mro__)


def debug() -> bool:
    return os.environ.get("PARC_DEBUG", "") not in ("", "0")


def input_error_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return str(exc) or type(exc).__name__


def internal_error_message(exc: BaseException) -> str:
    from parc import __version__

    detail = str(exc).splitlines()[0][:300] if str(exc) else ""
    return (f"internal error: {type(exc).__name__}{': ' + detail if detail else ''}\n"
            f"This is a bug in parc {__version__}, not a problem with your input. Please report it with the command "
            "line and this message (PARC_DEBUG=1 shows the traceback).")


def report(exc: BaseException, prog: str = "parc") -> int:
    """Print what ``exc`` means for the user on stderr and return the exit code (2 input, 3 internal)."""
    if debug():
        traceback.print_exception(exc, file=sys.stderr)
    if is_input_error(exc):
        print(f"{prog}: error: {input_error_message(exc)}", file=sys.stderr)
        return USAGE
    print(f"{prog}: {internal_error_message(exc)}", file=sys.stderr)
    return INTERNAL


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the interpreter's last flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests), or already closed
        pass
