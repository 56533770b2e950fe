"""The JSON report: a documented, stable schema (docs/report-json.md) for machines and other faces.

:func:`write_json` streams the same bytes as ``json.dumps(run_dict(run), indent=2)``: the run and each
rule are encoded without their (last) ``rules`` / ``rows`` member, and the rows are written one by one
as they are converted, so a million-row listing is never held as Python objects at once.
"""

from __future__ import annotations

import io
import json
from typing import Any, BinaryIO

from certlib.engine.results import RuleResult, RunResult
from certlib.reports.values import iter_row_dicts, json_value, row_dicts

SCHEMA_VERSION = 1


def rule_dict(r: RuleResult, rows: bool = True) -> dict[str, Any]:
    out = {
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
    }
    if rows:
        out["rows"] = row_dicts(r.rows)
    return out


def run_dict(run: RunResult, rules: bool = True) -> dict[str, Any]:
    """The report as plain data; ``render_json`` is ``json.dumps`` of this."""
    out = {
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
    }
    if rules:
        out["rules"] = [rule_dict(r) for r in run.rules]
    return out


_INDENTED = json.JSONEncoder(indent=2, ensure_ascii=False)


def _open_object(doc: dict[str, Any], indent: str) -> str:
    """``doc`` encoded with indent 2 at depth ``indent``, without its closing brace (a member follows)."""
    text = _INDENTED.encode(doc)
    assert text.endswith("\n}")
    return text[:-2].replace("\n", "\n" + indent)


def write_json(run: RunResult, out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=False)
    try:
        text.write(_open_object(run_dict(run, rules=False), ""))
        text.write(',\n  "rules": [' if run.rules else ',\n  "rules": []')
        for i, r in enumerate(run.rules):
            text.write(("," if i else "") + "\n    " + _open_object(rule_dict(r, rows=False), "    "))
            if r.rows.height == 0:
                text.write(',\n      "rows": []\n    }')
                continue
            text.write(',\n      "rows": [')
            for n, row in enumerate(iter_row_dicts(r.rows)):
                text.write(("," if n else "") + "\n        " + _INDENTED.encode(row).replace("\n", "\n        "))
            text.write("\n      ]\n    }")
        text.write("\n  ]\n}\n" if run.rules else "\n}\n")
        text.flush()
    finally:
        text.detach()


def render_json(run: RunResult) -> bytes:
    buf = io.BytesIO()
    write_json(run, buf)
    return buf.getvalue()
