"""Run history as facts: record keys, and what changed between two runs of one unit (pure, no I/O).

A finding is identified by its rule and its **record key**: the rule's key columns rendered as
``col=value`` pairs in the rule's key order (``enrollment_id=300004``; ``student_id=1000011,
date=2025-01-16``). The same text is what users type to attach a note or ask for an exception, and
what later runs are matched by.

Comparing two runs of a unit (the same copy, district or state) per rule:

* **new** — listed now, not listed by the previous run;
* **still there** — listed by both;
* **fixed** — listed before, not listed now.

A run keeps at most ``max_results`` rows of a rule, so a list can be incomplete (``listed <
count``). Then an absence proves nothing: a key missing from a truncated current list is not
*fixed*, and a key missing from a truncated previous list is not *new* — both are reported as
**unknown**, never guessed.

>>> prev = RuleFindings("R1", 2, ("a=1", "a=2"))
>>> cur = RuleFindings("R1", 2, ("a=2", "a=3"))
>>> [(c.record_key, c.change) for c in compare_findings(prev, cur)]
[('a=1', 'fixed'), ('a=2', 'still there'), ('a=3', 'new')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

Change = Literal["new", "still there", "fixed", "unknown"]
CHANGES: tuple[str, ...] = ("new", "still there", "fixed", "unknown")


def render_value(value: Any) -> str:
    """One key value as text: ``NULL`` for None, ISO for dates, ``str`` otherwise (1.0 stays 1.0)."""
    if value is None:
        return "NULL"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def record_key(row: Mapping[str, Any], key_columns: Iterable[str]) -> str:
    """``col=value, col=value`` of ``row`` over ``key_columns`` (all of the row's columns when the
    rule names none).

    >>> record_key({"enrollment_id": 300004, "name": "x"}, ["enrollment_id"])
    'enrollment_id=300004'
    >>> record_key({"student_id": 7, "date": date(2025, 1, 16)}, [])
    'student_id=7, date=2025-01-16'
    """
    cols = [c for c in key_columns if c in row] or list(row)
    return ", ".join(f"{c}={render_value(row[c])}" for c in cols)


@dataclass(frozen=True)
class RuleFindings:
    """What one run listed for one rule: the true ``count`` and the record keys it kept."""

    rule_id: str
    count: int
    keys: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Every finding's key is known (the list was not cut at max_results)."""
        return len(self.keys) >= self.count


@dataclass(frozen=True)
class FindingChange:
    rule_id: str
    record_key: str
    change: Change

    def as_dict(self) -> dict[str, str]:
        return {"rule_id": self.rule_id, "record_key": self.record_key, "change": self.change}


def compare_findings(previous: RuleFindings | None, current: RuleFindings | None) -> list[FindingChange]:
    """New / still there / fixed (or unknown, see the module docstring) for one rule, sorted by key.
    ``previous`` None: there was no earlier run (everything listed now is new)."""
    rule = (current or previous).rule_id if (current or previous) else ""
    before = set(previous.keys) if previous else set()
    now = set(current.keys) if current else set()
    before_complete = previous.complete if previous else True
    now_complete = current.complete if current else True
    out: list[FindingChange] = []
    for key in sorted(before | now):
        if key in before and key in now:
            change: Change = "still there"
        elif key in now:
            change = "new" if before_complete else "unknown"
        else:
            change = "fixed" if now_complete else "unknown"
        out.append(FindingChange(rule, key, change))
    return out


def change_counts(changes: Iterable[FindingChange]) -> dict[str, int]:
    """How many of each change (every change named, 0 when none)."""
    counts = dict.fromkeys(CHANGES, 0)
    for c in changes:
        counts[c.change] += 1
    return counts
