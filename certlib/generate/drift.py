"""The state copy lags the districts like a real nightly sync, and drift.json says exactly how.

Drift is planted only on records that carry no planted defect and whose students hold no
programs (except the one planted enrollment deliberately left unsynced, so that the manifest has
a ``copy: district`` entry): missing enrollments (with their attendance and summary rows), stale
attendance codes (the state summary is recomputed from the stale rows, so each copy stays
internally consistent) and a few changed field values.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from certlib.generate.attendance import AE, AU, CODES, Daily, P, Summary, minutes_for
from certlib.generate.names import LAST_NAMES
from certlib.generate.programs import DISABILITIES, RESOLUTIONS
from certlib.generate.schema import keys
from certlib.generate.writer import categorical


def _json(v):
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


class DriftBuilder:
    """Derives the state tables from the district truth and records every difference."""

    def __init__(
        self,
        rng,
        truth: dict[str, pl.DataFrame],
        daily: Daily,
        e_id: np.ndarray,
        e_tag: np.ndarray,
        e_reserved: np.ndarray,
        summ: Summary,
    ):
        self.rng = rng
        self.truth = truth
        self.state = dict(truth)
        self.daily = daily
        self.e_id = e_id
        self.e_clean = (e_tag == "") & ~e_reserved
        self.summ = summ
        self.missing_pos = np.zeros(len(e_id), dtype=bool)
        self.att_keep = np.ones(len(daily), dtype=bool)
        self.code_s, self.tardy_s, self.absent_s = daily.code, daily.tardy, daily.absent
        self.missing: dict[str, list] = {t: [] for t in truth} | {"attendance_daily": []}
        self.changed: dict[str, list] = {t: [] for t in self.missing}

    # -- planting ------------------------------------------------------------------------------
    def missing_enrollments(self, positions: list[int]) -> None:
        pos = np.unique(np.asarray(positions, dtype=np.int64))
        self.missing_pos[pos] = True
        ids = self.e_id[pos]
        self.missing["enrollments"] = [[int(x)] for x in ids]
        self.missing["attendance_summary"] = [[int(x)] for x in ids]
        rows = np.flatnonzero(self.missing_pos[self.daily.enr])
        self.att_keep[rows] = False
        self.missing["attendance_daily"] = [
            [int(self.e_id[a]), str(np.datetime64(int(b), "D"))]
            for a, b in zip(self.daily.enr[rows], self.daily.date[rows], strict=True)
        ]

    def stale_attendance(self, n: int) -> None:
        """``n`` attendance rows whose state copy still holds an older code."""
        d = self.daily
        cand = np.unique(self.rng.integers(0, len(d), 4 * n + 8))
        cand = cand[self.e_clean[d.enr[cand]] & ~self.missing_pos[d.enr[cand]]][:n]
        new = np.select([d.code[cand] == P, d.code[cand] == AU], [AU, P], P).astype(np.uint8)
        self.code_s, self.tardy_s = d.code.copy(), d.tardy.copy()
        self.code_s[cand] = new
        self.tardy_s[cand] = 0
        self.absent_s = d.absent.copy()
        self.absent_s[cand] = minutes_for(new, self.tardy_s[cand])
        for r in cand:  # stale rows only
            key = [int(self.e_id[d.enr[r]]), str(np.datetime64(int(d.date[r]), "D"))]
            for col, a, b in (
                ("attendance_code", CODES[d.code[r]], CODES[self.code_s[r]]),
                ("minutes_tardy", int(d.tardy[r]), int(self.tardy_s[r])),
                ("minutes_absent", int(d.absent[r]), int(self.absent_s[r])),
            ):
                if a != b:
                    self.changed["attendance_daily"].append({"key": key, "column": col, "district": a, "state": b})
        # the state's summary follows its own (stale) daily rows
        enr = d.enr[cand]
        delta = {}
        for name, code in (("days_absent_excused", AE), ("days_absent_unexcused", AU)):
            delta[name] = (
                np.bincount(enr[self.code_s[cand] == code], minlength=len(self.e_id))
                - np.bincount(enr[d.code[cand] == code], minlength=len(self.e_id))
            ).astype(float)
        delta["ada_days_present"] = -(delta["days_absent_excused"] + delta["days_absent_unexcused"])
        summ = self.state["attendance_summary"]
        touched = np.unique(enr)
        cols = {}
        for name, dv in delta.items():
            old = summ[name].to_numpy()
            cols[name] = summ[name].scatter(touched, old[touched] + dv[touched])
            for p in touched:
                if dv[p]:
                    self.changed["attendance_summary"].append(
                        {
                            "key": [int(self.e_id[p])],
                            "column": name,
                            "district": float(old[p]),
                            "state": float(old[p] + dv[p]),
                        }
                    )
        self.state["attendance_summary"] = summ.with_columns(**cols)

    def _change(self, table: str, column: str, rows: np.ndarray, values: list) -> None:
        frame = self.state[table]
        old = frame[column].gather(pl.Series(rows, dtype=pl.Int64)).to_list()
        key_cols = keys(table)
        key_rows = frame.select(key_cols)[rows].rows()
        for k, a, b in zip(key_rows, old, values, strict=True):
            self.changed[table].append({"key": [_json(x) for x in k], "column": column, "district": a, "state": b})
        self.state[table] = frame.with_columns(frame[column].scatter(rows, values))

    def changed_values(self, n: int, reserved: pl.Series) -> None:
        """A few fields the state holds an older value of (names, codes, counts)."""
        rng = self.rng

        def pick(frame: pl.DataFrame, ok: pl.Expr) -> np.ndarray:
            cand = frame.with_row_index("_r").filter(ok)["_r"].to_numpy().astype(np.int64)
            return np.sort(rng.choice(cand, min(n, len(cand)), replace=False)) if len(cand) else cand

        rid = self.truth["students"]["student_state_id"].filter(
            self.truth["students"]["student"].is_in(reserved.implode())
        )
        not_res = ~pl.col("student_state_id").is_in(rid.implode()) & pl.col("student_state_id").is_not_null()
        stu = self.state["students"]
        rows = pick(stu, not_res)
        names = [LAST_NAMES[(LAST_NAMES.index(x) + 1) % len(LAST_NAMES)] for x in stu["last_name"].gather(rows)]
        self._change("students", "last_name", rows, names)
        sped = self.state["special_ed"]
        rows = pick(sped, not_res)
        self._change(
            "special_ed",
            "disability_code",
            rows,
            [
                str(DISABILITIES[(list(DISABILITIES).index(x) + 1) % len(DISABILITIES)])
                for x in sped["disability_code"].gather(rows)
            ],
        )
        p504 = self.state["plans_504"]
        rows = pick(p504, not_res)
        self._change(
            "plans_504",
            "accommodation_count",
            rows,
            [x + 1 for x in p504["accommodation_count"].gather(rows)],
        )
        inc = self.state["behavior_incidents"]
        rows = pick(inc, pl.col("resolution_code").is_not_null())
        self._change(
            "behavior_incidents",
            "resolution_code",
            rows,
            [
                str(RESOLUTIONS[(list(RESOLUTIONS).index(x) + 1) % len(RESOLUTIONS)])
                for x in inc["resolution_code"].gather(rows)
            ],
        )

    # -- results -------------------------------------------------------------------------------
    def state_tables(self) -> dict[str, pl.DataFrame]:
        gone = pl.Series(self.e_id[self.missing_pos])
        out = dict(self.state)
        for t in ("enrollments", "attendance_summary"):
            out[t] = out[t].filter(~pl.col("enrollment_id").is_in(gone.implode()))
        self.state = out
        return out

    def state_attendance(self, att: pl.DataFrame) -> pl.LazyFrame:
        """The state's attendance: stale codes swapped in, missing enrollments' rows dropped."""
        return (
            att.with_columns(
                attendance_code=categorical(self.code_s, list(CODES)),
                minutes_tardy=pl.Series(self.tardy_s),
                minutes_absent=pl.Series(self.absent_s),
                _keep=pl.Series(self.att_keep),
            )
            .lazy()
            .filter(pl.col("_keep"))
            .drop("_keep")
        )

    def present_in_state(self, table: str, key: list) -> bool:
        if table in ("enrollments", "attendance_summary", "attendance_daily"):
            return int(key[0]) not in set(self.e_id[self.missing_pos].tolist())
        return True

    def record(self) -> dict:
        return {
            "tables": {
                t: {
                    "key_columns": keys(t),
                    "missing_in_state": sorted(self.missing[t]),
                    "changed": sorted(self.changed[t], key=lambda c: (c["key"], c["column"])),
                }
                for t in sorted(self.missing)
            }
        }


__all__ = ["DriftBuilder"]
