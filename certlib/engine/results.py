"""The result of a validation run: one :class:`RuleResult` per rule plus a :class:`RunResult` around them.

These records are what every face shows (reports, wizard, notebooks) and what the wizard's guards ask
(`RunResult.blocking`). They hold no behaviour beyond summarising themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import polars as pl

from certlib.config import settings
from certlib.rules.model import SEVERITIES

Status = Literal["passed", "failed", "error"]
STATUSES: tuple[str, ...] = ("passed", "failed", "error")


@dataclass(frozen=True)
class RuleResult:
    """What one rule found: the true ``count`` of rows, at most max_results of them kept in ``rows``.

    ``status`` is ``passed`` (no rows), ``failed`` (rows found; for an info rule this is simply a
    listing) or ``error`` (the rule could not be planned or run; ``error`` holds the text).
    ``elapsed_ms`` is this rule's share of the run's wall time (see :mod:`certlib.engine.polars_engine`).
    """

    id: str
    title: str
    severity: str
    groups: tuple[str, ...]
    dataset: str
    status: Status
    count: int
    rows: pl.DataFrame
    truncated: bool
    elapsed_ms: float
    error: str | None = None
    description: str = ""
    resolution: str = ""
    key_columns: tuple[str, ...] = ()
    max_results: int | None = None
    excepted: int = 0  # findings covered by a state-approved exception (see certlib.services.exceptions)

    @property
    def shown(self) -> int:
        """How many rows are kept (``shown`` of ``count``)."""
        return self.rows.height

    @property
    def blocking(self) -> bool:
        """A fatal rule with findings not all excepted, or any rule that errored, blocks certification."""
        return self.status == "error" or (self.status == "failed" and self.severity == "fatal" and self.open > 0)

    @property
    def open(self) -> int:
        """Findings not covered by an approved exception."""
        return max(self.count - self.excepted, 0)


@dataclass(frozen=True)
class SummaryRow:
    """One line of the report summary: Dataset / Severity / # of Records (as in the help article)."""

    dataset: str
    severity: str
    records: int
    rule_ids: tuple[str, ...]
    errors: int = 0  # rules of this line that errored (their records are unknown)


@dataclass(frozen=True)
class RunResult:
    """One run: the rule results in rule order and what the report header needs.

    ``title`` is the report title, ``scope_label`` names the district/school ("District 1071 North
    Star Public School"), ``source_label`` the data source ("district data", a path, a snapshot id).
    """

    rules: list[RuleResult]
    title: str = "Validation report"
    scope_label: str = ""
    source_label: str = ""
    generated_at: datetime = field(default_factory=lambda: settings().clock())
    params: dict[str, Any] = field(default_factory=dict)
    engine: str = "polars"
    elapsed_ms: float = 0.0

    def rule(self, rule_id: str) -> RuleResult:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def blocking(self) -> bool:
        """True when any fatal rule found rows or any rule errored (certification cannot proceed)."""
        return any(r.blocking for r in self.rules)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == "failed"]

    @property
    def errors(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == "error"]

    @property
    def summary(self) -> list[SummaryRow]:
        """Records per (dataset, severity), fatal first, then by dataset name; every rule run is counted."""
        lines: dict[tuple[str, str], list[RuleResult]] = {}
        for r in self.rules:
            lines.setdefault((r.dataset, r.severity), []).append(r)
        order = {s: i for i, s in enumerate(SEVERITIES)}
        return [
            SummaryRow(
                dataset=dataset,
                severity=severity,
                records=sum(r.count for r in rs),
                rule_ids=tuple(r.id for r in rs),
                errors=sum(r.status == "error" for r in rs),
            )
            for (dataset, severity), rs in sorted(lines.items(), key=lambda kv: (order.get(kv[0][1], 99), kv[0][0]))
        ]

    @property
    def counts_by_severity(self) -> dict[str, int]:
        """Records found per severity (every severity present, 0 when none)."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for r in self.rules:
            counts[r.severity] = counts.get(r.severity, 0) + r.count
        return counts

    @property
    def failed_by_severity(self) -> dict[str, int]:
        """Rules with findings per severity."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for r in self.failed:
            counts[r.severity] = counts.get(r.severity, 0) + 1
        return counts

    def one_line(self) -> str:
        """``12 rules: 9 passed, 2 failed (fatal 1, warning 1, info 0), 1 error; blocking`` for stderr."""
        by = self.failed_by_severity
        sev = ", ".join(f"{s} {by[s]}" for s in SEVERITIES)
        passed = sum(r.status == "passed" for r in self.rules)
        return (
            f"{len(self.rules)} rules: {passed} passed, {len(self.failed)} failed ({sev}), "
            f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}; "
            + ("blocking" if self.blocking else "not blocking")
        )
