"""Executing compiled rules on data: scan tables, run rules (polars; more engines behind one interface).

Public API: :func:`scan_tables`, :class:`PolarsEngine`, :class:`Engine`, :class:`RunResult`,
:class:`RuleResult`, :func:`validate`.
"""

from certlib.engine.base import Engine, Progress
from certlib.engine.polars_engine import PolarsEngine
from certlib.engine.results import RuleResult, RunResult, SummaryRow
from certlib.engine.tables import scan_tables

__all__ = ["Engine", "PolarsEngine", "Progress", "RuleResult", "RunResult", "SummaryRow", "scan_tables"]
