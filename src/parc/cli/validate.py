"""Placeholder until the command lands (replaced in this session)."""
import click

command = click.Command("validate", help="Validate policies (in progress).")
