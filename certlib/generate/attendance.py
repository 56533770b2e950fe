"""Daily attendance (one row per enrollment and instructional day of its span) and the
end-of-year summary computed from it — all numpy, with repeat/cumsum index arithmetic.

Rows come out ordered by enrollment position then date, so they are sorted by
(enrollment_id, attendance_date) when enrollment ids rise with position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from certlib.generate.calendars import KEY, Calendars

CODES = ("P", "AE", "AU", "T")
P, AE, AU, T = range(4)
FULL_DAY_MINUTES = 360


@dataclass
class Daily:
    """Attendance rows as parallel arrays."""

    enr: np.ndarray  # int32 position of the enrollment
    date: np.ndarray  # int32 day number
    code: np.ndarray  # uint8 index into CODES
    tardy: np.ndarray  # int16 minutes_tardy
    absent: np.ndarray  # int16 minutes_absent

    def __len__(self) -> int:
        return len(self.enr)

    def insert(self, at: np.ndarray, rows: Daily) -> Daily:
        """A new Daily with ``rows`` inserted before positions ``at`` (positions in self)."""
        return Daily(
            *(np.insert(getattr(self, f), at, getattr(rows, f)) for f in ("enr", "date", "code", "tardy", "absent"))
        )


def day_spans(cal: Calendars, cal_idx: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Index range [lo, hi) into ``cal.instr`` of each enrollment's instructional days."""
    base = cal_idx.astype(np.int64) * KEY
    keys = cal.instr_key
    lo = np.searchsorted(keys, base + start, "left")
    hi = np.searchsorted(keys, base + end, "right")
    return lo, np.maximum(hi, lo)


def minutes_for(code: np.ndarray, tardy: np.ndarray) -> np.ndarray:
    """minutes_absent: a full day for AE/AU, the minutes late for T, 0 for P."""
    full = np.where((code == AE) | (code == AU), FULL_DAY_MINUTES, 0)
    return np.where(code == T, tardy, full).astype(np.int16)


def make_daily(
    rng: np.random.Generator, cal: Calendars, cal_idx: np.ndarray, start: np.ndarray, end: np.ndarray
) -> Daily:
    """Attendance for every enrollment (``end`` already filled with the calendar's last day if open)."""
    lo, hi = day_spans(cal, cal_idx, start, end)
    n = hi - lo
    total = int(n.sum())
    shift = np.repeat(lo - (np.cumsum(n) - n), n)
    pos = np.arange(total, dtype=np.int64) + shift
    del shift
    enr = np.repeat(np.arange(len(n), dtype=np.int32), n)
    date = cal.instr[pos]
    del pos
    m = len(n)
    p_abs = rng.beta(1.3, 20.0, m).astype(np.float32)
    p_exc = (p_abs * rng.uniform(0.4, 0.8, m)).astype(np.float32)
    p_tardy = (p_abs + rng.beta(1.2, 35.0, m)).astype(np.float32)
    u = rng.random(total, dtype=np.float32)
    code = np.zeros(total, dtype=np.uint8)
    code[u < np.repeat(p_tardy, n)] = T
    code[u < np.repeat(p_abs, n)] = AU
    code[u < np.repeat(p_exc, n)] = AE
    del u
    tardy = np.zeros(total, dtype=np.int16)
    is_t = code == T
    tardy[is_t] = rng.integers(1, 61, int(is_t.sum()), dtype=np.int16)
    return Daily(enr, date, code, tardy, minutes_for(code, tardy))


@dataclass
class Summary:
    """Per enrollment: instructional days enrolled, days present (P + T), excused and unexcused."""

    enrolled: np.ndarray
    present: np.ndarray
    excused: np.ndarray
    unexcused: np.ndarray


def summarize(daily: Daily, n_enrollments: int) -> Summary:
    """Count the daily rows per enrollment (call it on instructional, de-duplicated rows only)."""
    enrolled = np.bincount(daily.enr, minlength=n_enrollments)
    excused = np.bincount(daily.enr[daily.code == AE], minlength=n_enrollments)
    unexcused = np.bincount(daily.enr[daily.code == AU], minlength=n_enrollments)
    return Summary(
        enrolled.astype(np.float64),
        (enrolled - excused - unexcused).astype(np.float64),
        excused.astype(np.float64),
        unexcused.astype(np.float64),
    )
