"""``frdiff rule``: what one Federal Register rule does to the Entity List."""

import click

COMMANDS: list[click.Command] = []
