"""Planting defects, each exactly as docs/contracts.md defines its kind, on records chosen so that
only that kind's rule can see them (see :mod:`certlib.generate.kinds`).

Enrollment-level defects are planted before ids and attendance exist (so a planted enrollment
gets ordinary attendance); attendance and summary defects after. Loops here run over planted
records only (a few per 1,000 students), never over all students or attendance rows.
"""

from __future__ import annotations

import numpy as np

from certlib.generate.attendance import AU, CODES, Daily, P, T, minutes_for
from certlib.generate.calendars import Calendars, school_day, weekday
from certlib.generate.population import SchoolPicker


def plant_enrollments(
    rng, e: dict[str, np.ndarray], picks: dict[str, np.ndarray], schools, cal: Calendars, picker: SchoolPicker
) -> dict[str, np.ndarray]:
    """Plant the enrollment kinds into the column arrays ``e`` (row i < n_students is student i's
    first enrollment). Returns the arrays with rows appended for overlaps and duplicates."""
    s_dist = schools["district_idx"].to_numpy()
    lo_g, hi_g = schools["low"].to_numpy(), schools["high"].to_numpy()
    tag = e["tag"]
    add: list[dict[str, np.ndarray]] = []

    ov = picks.get("overlapping_enrollments", np.zeros(0, dtype=np.int64))
    if len(ov):
        g, s = e["grade"][ov], e["school"][ov]
        dest = picker.in_district(rng, s_dist[s], g, s)
        dest = np.where(dest < 0, picker.statewide(rng, g, s, np.full(len(ov), -1)), dest)
        dest = np.where(dest < 0, s, dest)  # no other school has the grade: same school, later start
        tag[ov] = "overlapping_enrollments"
        add.append(
            {
                "student": ov,
                "school": dest,
                "grade": g,
                "service": np.full(len(ov), "P"),
                "start": school_day(rng, cal, s_dist[dest], 0.3, 0.6),
                "end": np.full(len(ov), -1),
                "exit": np.full(len(ov), ""),
                "role": np.full(len(ov), "overlap"),
                "tag": np.full(len(ov), "overlapping_enrollments"),
                "dup_rank": np.zeros(len(ov), dtype=np.int64),
            }
        )

    k_dup = len(picks.get("duplicate_enrollment", []))
    if k_dup:
        extras = np.flatnonzero((e["role"] == "extra") & (tag == ""))
        src = np.sort(rng.choice(extras, min(k_dup, len(extras)), replace=False))
        copy = {c: e[c][src].copy() for c in e}
        copy["tag"][:] = "duplicate_enrollment"
        copy["dup_rank"][:] = 1
        add.append(copy)

    oc = picks.get("enrollment_outside_calendar", np.zeros(0, dtype=np.int64))
    if len(oc):
        d = s_dist[e["school"][oc]]
        early = np.arange(len(oc)) % 2 == 0
        e["start"][oc[early]] = cal.first[d[early]] - rng.integers(1, 11, int(early.sum()))
        late = oc[~early]
        e["end"][late] = cal.last[d[~early]] + rng.integers(1, 11, len(late))
        e["exit"][late] = "E2"
        tag[oc] = "enrollment_outside_calendar"

    gs = picks.get("grade_outside_span", np.zeros(0, dtype=np.int64))
    if len(gs):
        s = e["school"][gs]
        e["grade"][gs] = np.where(hi_g[s] < 12, hi_g[s] + 1, lo_g[s] - 1)
        tag[gs] = "grade_outside_span"

    k_exit = len(picks.get("exit_without_exit_code", []))
    if k_exit:
        ended = np.flatnonzero(np.isin(e["role"], ["leaver", "move_out"]) & (tag == ""))
        ex = np.sort(rng.choice(ended, min(k_exit, len(ended)), replace=False))
        e["exit"][ex] = ""
        tag[ex] = "exit_without_exit_code"

    for rows in add:
        for c in e:
            e[c] = np.concatenate([e[c], rows[c].astype(e[c].dtype)])
    return e


def _middle_rows(row_off: np.ndarray, pos: np.ndarray) -> np.ndarray:
    return row_off[pos] + (row_off[pos + 1] - row_off[pos]) // 2


def plant_tardy(rng, daily: Daily, row_off: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Turn a present day of each enrollment into a tardy with 0 or 121..240 minutes. Returns rows."""
    rows = []
    for p in pos:  # planted enrollments only
        lo, hi = row_off[p], row_off[p + 1]
        mid = (lo + hi) // 2
        present = np.flatnonzero(daily.code[mid:hi] == P)
        rows.append(mid + present[0] if len(present) else mid)
    rows = np.asarray(rows, dtype=np.int64)
    minutes = np.where(np.arange(len(rows)) % 2 == 0, 0, rng.integers(121, 241, len(rows)))
    daily.code[rows] = T
    daily.tardy[rows] = minutes
    daily.absent[rows] = minutes
    return rows


def non_instructional_rows(daily: Daily, row_off: np.ndarray, pos: np.ndarray):
    """A present row on the Saturday after a mid-year school day. Returns (insert_at, Daily rows)."""
    mid = _middle_rows(row_off, pos)
    sat = daily.date[mid] + (5 - weekday(daily.date[mid]))
    at = np.array(
        [
            row_off[p] + np.searchsorted(daily.date[row_off[p] : row_off[p + 1]], s)
            for p, s in zip(pos, sat, strict=True)
        ],
        dtype=np.int64,
    )
    z = np.zeros(len(pos), dtype=np.int16)
    return at, Daily(daily.enr[mid], sat.astype(np.int32), np.full(len(pos), P, dtype=np.uint8), z, z)


def duplicate_rows(daily: Daily, row_off: np.ndarray, pos: np.ndarray):
    """A second row for a mid-year day, with a conflicting code. Returns (insert_at, Daily rows)."""
    mid = _middle_rows(row_off, pos)
    code = np.where(daily.code[mid] == AU, P, AU).astype(np.uint8)
    tardy = np.zeros(len(pos), dtype=np.int16)
    return mid + 1, Daily(daily.enr[mid], daily.date[mid].copy(), code, tardy, minutes_for(code, tardy))


def code_name(code: np.ndarray) -> np.ndarray:
    return np.asarray(CODES)[code]
