"""The CSV report, long form: one line per finding (kept row) of every rule.

Columns: ``rule_id, severity, title, dataset, row, key, values`` where ``key`` is a JSON object of the
rule's key columns and ``values`` a JSON object of every column the rule returned. Rules that passed
or errored have no findings and so no lines (the summary formats carry their status).
Written as the rows are converted, a chunk at a time (:func:`write_csv`).
"""

from __future__ import annotations

import csv
import io
import json
from typing import BinaryIO

from certlib.engine.results import RunResult
from certlib.reports.values import iter_row_dicts

COLUMNS = ("rule_id", "severity", "title", "dataset", "row", "key", "values")
_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False) builds one per call


def write_csv(run: RunResult, out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(COLUMNS)
        encode = _JSON.encode
        for r in run.rules:
            keys = [k for k in r.key_columns if k in r.rows.columns]
            head = [r.id, r.severity, r.title, r.dataset]
            writer.writerows(
                [*head, n, encode({k: row[k] for k in keys}), encode(row)]
                for n, row in enumerate(iter_row_dicts(r.rows), start=1)
            )
        text.flush()
    finally:
        text.detach()  # the caller owns ``out``


def render_csv(run: RunResult) -> bytes:
    buf = io.BytesIO()
    write_csv(run, buf)
    return buf.getvalue()
