"""Placeholder until the command lands (replaced in this session)."""
import click

simulate_command = click.Command("simulate", help="Decide requests (in progress).")
check_command = click.Command("check", help="Decide one request (in progress).")
