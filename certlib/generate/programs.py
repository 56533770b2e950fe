"""Special education (IEPs), Section 504 plans and behavior incidents with their participants.

Clean records are clean by construction: IEP settings are school-age (every student is 5 or
older), annual reviews fall within the last year, 504 plans start inside an enrollment of the
student in the plan's district, incidents happen on a school day of the offender's enrollment and
are all resolved. Students reserved for planted defects get none of these, except the one record
their defect needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DISABILITIES = np.array(["AU", "DB", "DD", "ED", "HI", "ID", "MD", "OHI", "OI", "SLD", "SLI", "TBI", "VI"])
DISABILITY_P = np.array([12, 1, 6, 5, 2, 6, 2, 14, 1, 33, 16, 1, 1], dtype=float)
INCIDENTS = np.array(["FIGHT", "BULLY", "DRUG", "WEAPON", "TRUANT", "DISRUPT"])
RESOLUTIONS = np.array(["IS", "OSS", "EXP", "DET", "CONF"])
SPED_RATE, PLAN504_RATE, INCIDENT_RATE = 0.12, 0.03, 0.04


@dataclass
class Enr:
    """Positional per-enrollment arrays (position = row of the sorted enrollments)."""

    student: np.ndarray
    school: np.ndarray
    district: np.ndarray
    start: np.ndarray
    end: np.ndarray  # filled with the calendar's last day when open
    service: np.ndarray
    row_off: np.ndarray  # first attendance row of each enrollment (length n + 1)

    def last_primary(self, n_students: int) -> np.ndarray:
        """Position of each student's latest P enrollment (-1 if none)."""
        pos = np.flatnonzero(self.service == "P")
        order = pos[np.lexsort((self.start[pos], self.student[pos]))]
        out = np.full(n_students, -1, dtype=np.int64)
        out[self.student[order]] = order  # later starts overwrite earlier ones
        return out


def _choose(rng, candidates: np.ndarray, rate: float) -> np.ndarray:
    k = int(round(len(candidates) * rate))
    return np.sort(rng.choice(candidates, min(k, len(candidates)), replace=False))


def special_ed(
    rng, enr: Enr, n_students: int, free: np.ndarray, as_of: int, overdue: np.ndarray, bad_setting: np.ndarray
):
    """IEP rows: ~12% of the free students plus one planted IEP per ``overdue`` / ``bad_setting`` student.

    Returns (rows as dict of arrays, planted kind per row or "").
    """
    last = enr.last_primary(n_students)
    clean = _choose(rng, np.flatnonzero(free & (last >= 0)), SPED_RATE)
    who = np.concatenate([clean, overdue, bad_setting])
    kind = np.concatenate(
        [
            np.full(len(clean), ""),
            np.full(len(overdue), "iep_annual_review_overdue"),
            np.full(len(bad_setting), "sped_setting_invalid_for_age"),
        ]
    )
    n = len(who)
    review = as_of - rng.integers(5, 340, n)
    start = review - 365 * rng.integers(0, 3, n)
    end = (review + 364).astype(np.float64)
    closed = (rng.random(n) < 0.08) & (kind == "")
    end[closed] = as_of - rng.integers(10, 60, int(closed.sum()))
    review[closed] = end[closed] - rng.integers(30, 300, int(closed.sum()))
    start[closed] = review[closed] - 365 * rng.integers(0, 2, int(closed.sum()))
    is_over = kind == "iep_annual_review_overdue"
    review[is_over] = as_of - rng.integers(366, 500, int(is_over.sum()))
    start[is_over] = review[is_over] - 365 * rng.integers(0, 2, int(is_over.sum()))
    end[is_over] = np.nan  # still open
    setting = np.char.add("SA", rng.integers(1, 7, n).astype(str))
    is_bad = kind == "sped_setting_invalid_for_age"
    setting[is_bad] = np.char.add("EC", rng.integers(1, 5, int(is_bad.sum())).astype(str))
    pos = last[who]
    rows = {
        "student": who,
        "school": enr.school[pos],
        "disability_code": DISABILITIES[rng.choice(len(DISABILITIES), n, p=DISABILITY_P / DISABILITY_P.sum())],
        "iep_start_date": start.astype(np.int32),
        "iep_end_date": end,
        "annual_review_date": review.astype(np.int32),
        "setting_code": setting,
    }
    return rows, kind


def plans_504(rng, enr: Enr, n_students: int, free: np.ndarray, planted: np.ndarray):
    """504 plans for ~3% of the free students, plus one planted plan (ended before any enrollment)
    per ``planted`` student."""
    last = enr.last_primary(n_students)
    clean = _choose(rng, np.flatnonzero(free & (last >= 0)), PLAN504_RATE)
    who = np.concatenate([clean, planted])
    kind = np.concatenate([np.full(len(clean), ""), np.full(len(planted), "plan504_without_active_enrollment")])
    pos = last[who]
    e_start, e_end = enr.start[pos], enr.end[pos]
    ps = e_start + (rng.random(len(who)) * np.minimum(20, e_end - e_start + 1)).astype(np.int64)
    pe = ps + rng.integers(180, 366, len(who))
    bad = kind != ""
    ps[bad] = e_start[bad] - rng.integers(400, 600, int(bad.sum()))
    pe[bad] = e_start[bad] - rng.integers(20, 60, int(bad.sum()))
    rows = {
        "student": who,
        "school": enr.school[pos],
        "plan_start_date": ps.astype(np.int32),
        "plan_end_date": pe.astype(np.int32),
        "accommodation_count": rng.integers(1, 7, len(who)),
    }
    return rows, kind


def behavior(rng, enr: Enr, dates: np.ndarray, free_enr: np.ndarray, n_students: int, at_least: int = 0):
    """Incidents on a school day of a random (free) offender's enrollment; up to two more
    participants enrolled in the same school that day. Returns (incidents, participants)."""
    cand = np.flatnonzero(free_enr & (np.diff(enr.row_off) > 0))
    k = min(len(cand), max(at_least, int(round(n_students * INCIDENT_RATE))))
    off = np.sort(rng.choice(cand, k, replace=False)) if k else np.zeros(0, dtype=np.int64)
    nrows = np.diff(enr.row_off)[off]
    row = enr.row_off[off] + (rng.random(k) * nrows).astype(np.int64)
    when = dates[row].astype(np.int64)
    school = enr.school[off]
    incidents = {
        "school": school,
        "incident_date": when.astype(np.int32),
        "incident_code": INCIDENTS[rng.integers(0, len(INCIDENTS), k)],
        "resolution_code": RESOLUTIONS[rng.integers(0, len(RESOLUTIONS), k)],
        "resolution_date": (when + rng.integers(0, 11, k)).astype(np.int32),
    }
    # Other participants: a random enrollment of the same school (enrollments are sorted by school).
    n_sch = int(enr.school.max()) + 1 if len(enr.school) else 0
    s_lo = np.searchsorted(enr.school, np.arange(n_sch), "left")
    s_hi = np.searchsorted(enr.school, np.arange(n_sch), "right")
    chosen = [enr.student[off]]
    for p_more in (0.6, 0.2):
        take = rng.random(k) < p_more
        cnt = (s_hi - s_lo)[school]
        other = np.minimum(s_lo[school] + (rng.random(k) * cnt).astype(np.int64), len(enr.student) - 1)
        cand_student = enr.student[other]
        ok = take & free_enr[other] & (enr.start[other] <= when) & (enr.end[other] >= when)
        for prev in chosen:
            ok &= cand_student != prev
        chosen.append(np.where(ok, cand_student, -1))
    inc = np.concatenate([np.flatnonzero(c >= 0) for c in chosen])
    who = np.concatenate([c[c >= 0] for c in chosen])
    n_others = len(who) - k
    role = np.concatenate([np.full(k, "offender"), np.where(rng.random(n_others) < 0.5, "victim", "witness")])
    parts = {"incident": inc, "student": who, "participant_role": role}
    return incidents, parts
