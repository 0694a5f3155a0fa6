"""Placeholder until the command lands (replaced in this session)."""
import click

command = click.Group("net", help="VPC reachability (in progress).")
