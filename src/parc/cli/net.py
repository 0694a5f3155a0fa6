"""``parc net``: VPC reachability from ``aws ec2 describe-*`` output (check, exposed, matrix).

Exit codes (parc.cli.exitcodes): 0 when the question was answered (and, with ``check --expect``, as expected), 1 when
``--expect`` was not met (an unknown answer, ``reachable: null``, meets neither), 2 on unreadable input, an unknown
``--from``/``--to`` or a bad option, and with ``--expect`` when some item of the snapshot could not be read (the
verdict may depend on it). Items that could not be read are listed on stderr, with their file, line and JSON path;
every answer then says it is over what could be read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

import click
from rich.console import Console

from parc.cli import exitcodes
from parc.cli.consoles import make_console
from parc.core.audit.unread import is_unreadable
from parc.core.findings import Finding
from parc.core.network import Network, UnknownEndpoint
from parc.core.network.audit import network_findings
from parc.core.network.exposure import exposed
from parc.core.network.matrix import matrix
from parc.core.network.traffic import ProtocolError
from parc.loaders.ec2 import Ec2LoadError, load
from parc.reporters.network_json import check_json, exposed_json, matrix_json
from parc.reporters.network_text import render_check, render_exposed, render_matrix

T = TypeVar("T")


def _fail(message: str) -> NoReturn:
    click.echo(f"parc net: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _parse_ephemeral(text: str) -> tuple[int, int]:
    try:
        lo_s, hi_s = text.split("-", 1)
        lo, hi = int(lo_s), int(hi_s)
    except ValueError:
        _fail(f"--ephemeral {text!r}: expected FROM-TO, e.g. 1024-65535")
    if not 0 <= lo <= hi <= 65535:
        _fail(f"--ephemeral {text!r}: ports must satisfy 0 <= FROM <= TO <= 65535")
    return lo, hi


def _open(snapshot: str, ephemeral: str) -> tuple[Network, list[Finding], list[Finding]]:
    """The network, the loader's other findings, and what could not be read (printed once here, to stderr)."""
    try:
        result = load(snapshot)
    except Ec2LoadError as e:
        _fail(str(e))
    unread = [f for f in result.findings if is_unreadable(f)]
    for f in unread:
        path = f" {f.path}" if f.path and not f.message.startswith(f.path) else ""
        where = (f.file or "") + (f":{f.line}" if f.line else "") + path
        click.echo(f"parc net: could not read {where}: {f.message}", err=True)
    others = [f for f in result.findings if not is_unreadable(f)]
    return Network(result.snapshot, _parse_ephemeral(ephemeral)), others, unread


def _partial(console: Console, unread: list[Finding]) -> None:
    """Before a text answer over a snapshot with unread items: the answer is over what could be read."""
    if unread:
        console.print(f"[bold yellow]Among what could be read: {len(unread)} item(s) of the snapshot could not be "
                      "read (listed on stderr) and may change this answer.[/bold yellow]")


def _guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except (UnknownEndpoint, ProtocolError, ValueError) as e:
        _fail(str(e))


def _console() -> Console:
    return make_console(highlight=True)


SNAPSHOT = click.argument("snapshot", type=click.Path(), metavar="SNAPSHOT")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
EPHEMERAL = click.option(
    "--ephemeral",
    default="1024-65535",
    show_default=True,
    help="Client ephemeral ports that a stateless ACL must let replies reach (AWS advises 1024-65535).",
)


@click.group("net")
def command() -> None:
    """VPC reachability: security groups, network ACLs, routes and gateways.

    SNAPSHOT is a folder of `aws ec2 describe-*` JSON files (describe-security-groups.json or SecurityGroups.json,
    ...) or one JSON file holding several of their keys.
    """


@command.command("check")
@SNAPSHOT
@click.option("--from", "source", required=True, help="Instance id, ENI id, an address of one, or any address.")
@click.option("--to", "destination", required=True, help="Instance id, ENI id, an address of one, or any address.")
@click.option("--protocol", default="tcp", show_default=True, help="tcp, udp, icmp, icmpv6 or a protocol number.")
@click.option("--port", type=int, default=None, help="Destination port; for ICMP, the ICMP type.")
@click.option("--icmp-code", type=int, default=0, show_default=True, help="ICMP code (with --protocol icmp).")
@click.option("--ipv6", is_flag=True, help="Use the IPv6 addresses of instances and ENIs named by id.")
@click.option("--expect", type=click.Choice(["reachable", "blocked"]), default=None,
              help="Exit 1 unless the verdict is this.")
@EPHEMERAL
@FORMAT
def check_command(
    snapshot: str, source: str, destination: str, protocol: str, port: int | None, icmp_code: int, ipv6: bool,
    expect: str | None, ephemeral: str, fmt: str,
) -> None:
    """Can --from reach --to on this protocol and port, and if not, what blocks it?"""
    net, findings, unread = _open(snapshot, ephemeral)
    result = _guard(lambda: net.check(source, destination, protocol, port, icmp_code=icmp_code, ipv6=ipv6))
    if fmt == "json":
        click.echo(check_json(result, unread), nl=False)
    else:
        console = _console()
        _partial(console, unread)
        render_check(console, result, findings)
    if expect is not None and unread:
        # An item left out could change the verdict: --expect can neither pass nor fail on it.
        _fail(f"--expect {expect}: {len(unread)} item(s) of the snapshot could not be read, and the verdict may "
              "depend on them")
    if expect is not None and (result.reachable is None or (expect == "reachable") != result.reachable):
        sys.exit(exitcodes.FINDINGS)  # an unknown answer meets no expectation
    sys.exit(exitcodes.OK)


@command.command("exposed")
@SNAPSHOT
@EPHEMERAL
@FORMAT
def exposed_command(snapshot: str, ephemeral: str, fmt: str) -> None:
    """Every ENI (and its instance) reachable from the internet, with the open ports and the rules that open them."""
    net, findings, unread = _open(snapshot, ephemeral)
    exposures = exposed(net)
    audit = network_findings(net, exposures)
    codes = {f.code for f in audit}
    everything = audit + [f for f in findings if f.code not in codes]
    absent = sorted(net.absent)
    if fmt == "json":
        click.echo(exposed_json(exposures, everything + unread, absent), nl=False)
    else:
        console = _console()
        if exposures:
            _partial(console, unread)
        render_exposed(console, exposures, everything, absent, unread=len(unread))
    sys.exit(exitcodes.OK)


@command.command("matrix")
@SNAPSHOT
@click.option("--port", type=int, default=None, help="Only this port (of --protocol); default: all traffic.")
@click.option("--protocol", default="tcp", show_default=True, help="Protocol of --port.")
@EPHEMERAL
@FORMAT
def matrix_command(snapshot: str, port: int | None, protocol: str, ephemeral: str, fmt: str) -> None:
    """Which instances can reach which (by private address), on which ports."""
    net, _findings, unread = _open(snapshot, ephemeral)
    m = _guard(lambda: matrix(net, port, protocol))
    if fmt == "json":
        click.echo(matrix_json(m, unread), nl=False)
    else:
        console = _console()
        _partial(console, unread)
        render_matrix(console, m)
    sys.exit(exitcodes.OK)
