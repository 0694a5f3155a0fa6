"""``parc serve``: answer AWS's IAM policy simulator and Access Analyzer's policy checks over HTTP, offline.

Thin wiring: load and check the snapshots (exit 2 with the located error when one cannot be read), refuse a
non-loopback address without --allow-remote, then hand the Starlette app to uvicorn (one process, or --workers N
processes that each load the snapshots themselves).
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
from typing import Any, NoReturn

import click

from parc.cli import exitcodes

CONFIG_ENV = "PARC_SERVE_CONFIG"
"""How the main process tells uvicorn's worker processes what to load (they import the app factory afresh)."""

REMOTE_WARNING = ("parc serve: WARNING: listening on {host}, reachable from other machines. Request signatures are "
                  "accepted and NOT verified: anyone who can reach this port gets answers about the loaded "
                  "snapshots.")


def _fail(message: str) -> NoReturn:
    click.echo(f"parc: error: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _load(paths: list[str], validate: bool) -> Any:
    from parc.loaders.account import SnapshotError
    from parc.server.state import UnreadableSnapshot, load_state

    try:
        return load_state(paths, validate)
    except (SnapshotError, UnreadableSnapshot) as exc:
        _fail(str(exc))


def app_from_environment() -> Any:
    """The app factory uvicorn's worker processes call (``--workers N``)."""
    from parc.server.app import create_app
    from parc.server.reload import reloading_lifespan
    from parc.server.state import StateHolder, load_state

    config = json.loads(os.environ[CONFIG_ENV])
    holder = StateHolder(load_state(config["accounts"], config["validate"]), config["accounts"], config["validate"])
    lifespan = reloading_lifespan(holder, config["reload_interval"]) if config["reload"] else None
    return create_app(holder, max_body=config["max_body"], access_log=config["access_log"], lifespan=lifespan)


@click.command("serve")
@click.option("--account", "accounts", multiple=True, metavar="DIR", type=click.Path(exists=True, file_okay=False),
              help="An account snapshot folder, or a folder of them (repeatable). IAM's read calls and "
                   "SimulatePrincipalPolicy answer from these.")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on (loopback unless "
              "--allow-remote).")
@click.option("--port", default=4566, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (each loads the snapshots; the engine's calls are CPU-bound).")
@click.option("--reload-on-change", is_flag=True, help="Watch the snapshot folders and load them again when "
              "their files change, without dropping requests.")
@click.option("--reload-interval", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds between two looks at the snapshot folders (with --reload-on-change).")
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host (signatures are NOT verified).")
@click.option("--max-body", default=1 << 20, show_default=True, type=click.IntRange(1, 1 << 30), metavar="BYTES",
              help="The largest request body accepted (413 beyond).")
@click.option("--no-validate", is_flag=True, help="Skip validating every policy of the snapshots (faster start).")
@click.option("--no-access-log", is_flag=True, help="Do not write the JSON access log lines to stderr.")
def command(accounts: tuple[str, ...], host: str, port: int, workers: int, reload_on_change: bool,
            reload_interval: float, allow_remote: bool, max_body: int, no_validate: bool,
            no_access_log: bool) -> None:
    """Serve IAM's policy simulator and Access Analyzer's policy checks locally: point boto3 or the aws CLI at
    http://HOST:PORT with endpoint_url / --endpoint-url. Signatures are accepted and not verified."""
    import uvicorn

    if not is_loopback(host):
        if not allow_remote:
            _fail(f"--host {host} is not a loopback address; parc serve does not verify request signatures, so "
                  "listening beyond this machine needs --allow-remote")
        click.echo(REMOTE_WARNING.format(host=host), err=True)
    _check_bindable(host, port)
    paths = list(accounts)
    state = _load(paths, not no_validate)
    _print_findings(state)
    common: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "access_log": False,
                              "timeout_graceful_shutdown": 30, "server_header": False}
    click.echo(f"parc serve: listening on http://{host}:{port} ({len(state.snapshots)} snapshot(s)"
               f"{', ' + str(workers) + ' workers' if workers > 1 else ''})", err=True)
    if workers > 1:
        os.environ[CONFIG_ENV] = json.dumps({"accounts": paths, "validate": not no_validate,
                                             "reload": reload_on_change, "reload_interval": reload_interval,
                                             "max_body": max_body, "access_log": not no_access_log})
        uvicorn.run("parc.cli.serve:app_from_environment", factory=True, workers=workers, **common)
        return
    from parc.server.app import create_app
    from parc.server.reload import reloading_lifespan
    from parc.server.state import StateHolder

    holder = StateHolder(state, paths, not no_validate)
    lifespan = reloading_lifespan(holder, reload_interval) if reload_on_change else None
    app = create_app(holder, max_body=max_body, access_log=not no_access_log, lifespan=lifespan)
    uvicorn.Server(uvicorn.Config(app, **common)).run()


def _check_bindable(host: str, port: int) -> None:
    """A port in use or an address this machine does not have is the user's to fix (exit 2, one line), said before
    the snapshots are loaded; uvicorn would otherwise log it and exit as if parc had failed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _print_findings(state: Any) -> None:
    """The snapshots' problems that did not stop loading (each located), once, on stderr."""
    from parc.cli.consoles import make_console
    from parc.reporters.account_text import render_snapshot_findings

    findings = [f for s in state.snapshots for f in s.findings]
    render_snapshot_findings(make_console(stderr=True), findings)
