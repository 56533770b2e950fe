"""School calendars: one calendar per district (its schools share it), as day numbers since 1970.

School year 2025 means 2024-25: from a Monday in mid-August 2024 to a Friday in early June 2025.
Every calendar day between the first and the last school day gets a ``calendar_days`` row;
weekdays are instructional except holidays, breaks and a few staff-development days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

EPOCH = date(1970, 1, 1)
KEY = 1 << 20  # district * KEY + day: a sortable key over all calendars (day numbers < 2**20)


def day(d: date) -> int:
    """Days since 1970-01-01 (the physical value of a polars Date)."""
    return (d - EPOCH).days


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 .. Sunday = 6 for day numbers (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def _nth_weekday(year: int, month: int, wd: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, wd: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - wd) % 7)


def _statewide_holidays(school_year: int) -> list[int]:
    fall, spring = school_year - 1, school_year
    days = [_nth_weekday(fall, 9, 0, 1), date(fall, 11, 11)]  # Labor Day, Veterans Day
    thanks = _nth_weekday(fall, 11, 3, 4)
    days += [thanks - timedelta(days=1), thanks, thanks + timedelta(days=1)]
    xmas = date(fall, 12, 24)
    winter = xmas - timedelta(days=xmas.weekday())
    days += [winter + timedelta(days=i) for i in range(14)]
    days += [_nth_weekday(spring, 1, 0, 3), _nth_weekday(spring, 2, 0, 3), _last_weekday(spring, 5, 0)]
    days += [_nth_weekday(fall, 10, 4, 2), _nth_weekday(spring, 3, 4, 1)]  # staff development
    return sorted({day(d) for d in days})


@dataclass(frozen=True)
class Calendars:
    """Per-district calendars. ``instr`` holds every district's instructional days, concatenated;
    district d's are ``instr[instr_off[d]:instr_off[d + 1]]`` (sorted)."""

    first: np.ndarray  # int32 per district: first school day
    last: np.ndarray  # int32 per district: last school day
    instr: np.ndarray  # int32
    instr_off: np.ndarray  # int64, length n_districts + 1
    day_instr: list[np.ndarray]  # per district: bool per day of first..last

    @property
    def instr_key(self) -> np.ndarray:
        """district * KEY + day for every entry of ``instr`` (sorted): search many calendars at once."""
        d = np.repeat(np.arange(len(self.instr_off) - 1, dtype=np.int64), np.diff(self.instr_off))
        return d * KEY + self.instr

    def instructional_days(self, d: int) -> np.ndarray:
        return self.instr[self.instr_off[d] : self.instr_off[d + 1]]


def make_calendars(rng: np.random.Generator, districts: pl.DataFrame, school_year: int) -> Calendars:
    """One calendar per district: start/end shifted a little between districts, own spring break."""
    n = districts.height
    aug19 = date(school_year - 1, 8, 19)
    monday = day(aug19 - timedelta(days=aug19.weekday()))
    jun6 = date(school_year, 6, 6)
    friday = day(jun6 - timedelta(days=(jun6.weekday() - 4) % 7))
    first = monday + rng.choice([-7, 0, 0, 0, 7], n)
    last = friday + rng.choice([-7, 0, 0, 7], n)
    is_demo = (districts["district_number"] == "1071").to_numpy()
    first[is_demo] = monday
    march_mondays = [day(_nth_weekday(school_year, 3, 0, k)) for k in (2, 3, 4)]
    spring = np.asarray(march_mondays)[rng.integers(0, 3, n)]
    holidays = np.asarray(_statewide_holidays(school_year))
    day_instr, instr = [], []
    for d in range(n):  # one iteration per district
        span = np.arange(first[d], last[d] + 1)
        ok = weekday(span) < 5
        ok &= ~np.isin(span, holidays)
        ok &= ~((span >= spring[d]) & (span < spring[d] + 5))
        day_instr.append(ok)
        instr.append(span[ok].astype(np.int32))
    off = np.zeros(n + 1, dtype=np.int64)
    off[1:] = np.cumsum([len(x) for x in instr])
    return Calendars(first.astype(np.int32), last.astype(np.int32), np.concatenate(instr), off, day_instr)


def school_day(rng: np.random.Generator, cal: Calendars, d: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """A random instructional day of each district calendar ``d`` between two fractions of the year."""
    k = np.diff(cal.instr_off)[d]
    pos = ((lo + rng.random(len(d)) * (hi - lo)) * k).astype(np.int64)
    return cal.instr[cal.instr_off[d] + pos]


def calendar_days_table(cal: Calendars, schools: pl.DataFrame, school_year: int) -> pl.DataFrame:
    """Every calendar day of every school's span, with its instructional flag."""
    d_idx = schools["district_idx"].to_numpy()
    lengths = (cal.last - cal.first + 1).astype(np.int64)[d_idx]
    starts = np.repeat(cal.first[d_idx].astype(np.int64), lengths)
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    flags = np.concatenate([cal.day_instr[d] for d in d_idx]) if len(d_idx) else np.zeros(0, bool)
    return pl.DataFrame(
        {
            "district_number": np.repeat(schools["district_number"].to_numpy(), lengths),
            "school_code": np.repeat(schools["school_code"].to_numpy(), lengths),
            "school_year": np.full(len(flags), school_year, dtype=np.int64),
            "calendar_date": pl.Series((starts + within).astype(np.int32)).cast(pl.Date),
            "instructional": flags,
        }
    )
