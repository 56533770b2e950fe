"""The CSV report, long form: one line per finding (kept row) of every rule.

Columns: ``rule_id, severity, title, dataset, row, key, values`` where ``key`` is a JSON object of the
rule's key columns and ``values`` a JSON object of every column the rule returned. Rules that passed
or errored have no findings and so no lines (the summary formats carry their status).
"""

from __future__ import annotations

import csv
import io
import json

from certlib.engine.results import RunResult
from certlib.reports.values import row_dicts

COLUMNS = ("rule_id", "severity", "title", "dataset", "row", "key", "values")


def render_csv(run: RunResult) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(COLUMNS)
    for r in run.rules:
        for n, row in enumerate(row_dicts(r.rows), start=1):
            key = {k: row.get(k) for k in r.key_columns if k in row}
            out.writerow(
                [
                    r.id,
                    r.severity,
                    r.title,
                    r.dataset,
                    n,
                    json.dumps(key, ensure_ascii=False),
                    json.dumps(row, ensure_ascii=False),
                ]
            )
    return buf.getvalue().encode("utf-8")
