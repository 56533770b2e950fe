"""CLI commands: rules (filled by its issue)."""

from certlib.cli.base import cli


@cli.group("rules")
def rules_group() -> None:
    """Rule packs: check, test, show, compile, lineage."""
