"""CLI commands: rules (filled by its issue)."""

from certlib.cli.base import cli  # noqa: F401
