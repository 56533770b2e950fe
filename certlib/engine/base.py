"""The engine interface: run compiled rules over named tables and return a :class:`RunResult`.

Polars is the first engine (:mod:`certlib.engine.polars_engine`); a Spark or warehouse engine is
another class with the same ``run``. Engines never raise for one broken rule: that rule becomes an
``error`` result and the rest still run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from certlib.engine.results import RunResult
from certlib.rules.model import CompiledRule

#: ``progress(done, total, label)``: called as the run advances; ``done`` never decreases (it may repeat
#: when a phase starts); ``label`` is the rule id just planned or a phase ("collecting", "done").
Progress = Callable[[int, int, str], None]


@runtime_checkable
class Engine(Protocol):
    """Runs compiled rules; ``tables`` maps table name to the engine's frame type."""

    name: str
    dialect: str  # the compile target the engine runs ("polars", "spark", ...)

    def run(
        self,
        compiled_rules: Sequence[CompiledRule],
        tables: Mapping[str, Any],
        *,
        max_results: int | None = None,
        progress: Progress | None = None,
    ) -> RunResult:
        """Run every rule; keep at most ``max_results`` rows per rule unless the rule sets its own."""
        ...


def effective_limit(rule: CompiledRule, max_results: int | None) -> int | None:
    """Rows to keep for ``rule``: the rule's own ``max_results`` wins, else the run's (None = all)."""
    return rule.rule.max_results if rule.rule.max_results is not None else max_results
