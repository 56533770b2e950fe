"""The JSON report: a documented, stable schema (docs/report-json.md) for machines and other faces."""

from __future__ import annotations

import json
from typing import Any

from certlib.engine.results import RuleResult, RunResult
from certlib.reports.values import json_value, row_dicts

SCHEMA_VERSION = 1


def rule_dict(r: RuleResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "severity": r.severity,
        "groups": list(r.groups),
        "dataset": r.dataset,
        "status": r.status,
        "count": r.count,
        "excepted": r.excepted,
        "shown": r.shown,
        "truncated": r.truncated,
        "max_results": r.max_results,
        "elapsed_ms": r.elapsed_ms,
        "error": r.error,
        "description": r.description,
        "resolution": r.resolution,
        "key_columns": list(r.key_columns),
        "columns": list(r.rows.columns),
        "rows": row_dicts(r.rows),
    }


def run_dict(run: RunResult) -> dict[str, Any]:
    """The report as plain data; ``render_json`` is ``json.dumps`` of this."""
    return {
        "schema_version": SCHEMA_VERSION,
        "title": run.title,
        "scope": run.scope_label,
        "source": run.source_label,
        "generated_at": run.generated_at.isoformat(),
        "engine": run.engine,
        "elapsed_ms": run.elapsed_ms,
        "params": {str(k): json_value(v) for k, v in sorted(run.params.items())},
        "blocking": run.blocking,
        "counts_by_severity": run.counts_by_severity,
        "summary": [
            {
                "dataset": s.dataset,
                "severity": s.severity,
                "records": s.records,
                "rule_ids": list(s.rule_ids),
                "errors": s.errors,
            }
            for s in run.summary
        ],
        "rules": [rule_dict(r) for r in run.rules],
    }


def render_json(run: RunResult) -> bytes:
    return (json.dumps(run_dict(run), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
