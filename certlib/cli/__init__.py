"""The certlib command line: thin wiring over the workspace façade.

Each command group lives in its own module and is registered here; a module adds its commands to
``cli`` with ``@cli.command()`` / ``@cli.group()`` from :mod:`certlib.cli.base`.
"""

from __future__ import annotations

import importlib
import sys

import click

from certlib.cli.base import cli
from certlib.config import configure_logging
from certlib.errors import CertlibError

# Command modules; each registers its commands on import.
_MODULES = ["workflow", "rules", "data", "generate", "wizard", "importers", "history", "members"]

for _name in _MODULES:
    importlib.import_module(f"certlib.cli.{_name}")


def main() -> None:
    try:
        configure_logging()  # parses every CERTLIB_* variable: a bad one is a message, not a traceback
    except CertlibError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    cli(prog_name="certlib")


__all__ = ["cli", "main"]
