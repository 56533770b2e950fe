"""Districts and schools: numbers, names, types and grade spans.

District "1071" (North Star Public School) is always the first district, with the schools the help
article shows ("North Star School", "North Star 7-8" code "0588", "North Star High School") when it
has room for three schools.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from certlib.generate.names import DISTRICT_SUFFIXES, PLACES

DEMO_DISTRICT = "1071"
DEMO_DISTRICT_NAME = "North Star Public School"
DEMO_PLACE = "North Star"
DEMO_MS_CODE = 588
STUDENTS_PER_SCHOOL = 190

# (type, low grade, high grade, name pattern); grade 0 = kindergarten ("00").
SPANS_A = [
    ("ES", 0, 5, "{p} Elementary"),
    ("MS", 6, 8, "{p} Middle School"),
    ("HS", 9, 12, "{p} High School"),
]
SPANS_B = [("ES", 0, 6, "{p} School"), ("MS", 7, 8, "{p} 7-8"), ("HS", 9, 12, "{p} High School")]
EXTRA = [
    ("ES", 0, 5, "{p} Elementary"),
    ("ES", 0, 5, "{p} Elementary"),
    ("ES", 0, 5, "{p} Elementary"),
    ("MS", 6, 8, "{p} Middle School"),
    ("HS", 9, 12, "{p} High School"),
    ("K8", 0, 8, "{p} K-8 Academy"),
    ("K12", 0, 12, "{p} Community School"),
]


def default_districts(students: int) -> int:
    """About one district per 1,000 students, at least one."""
    return max(1, round(students / 1000))


def make_districts(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """``n`` districts sorted by district_number; "1071" is always among them."""
    if not 1 <= n <= 8000:
        raise ValueError(f"districts must be between 1 and 8000, got {n}")
    pool = np.setdiff1d(np.arange(1000, 10000), [int(DEMO_DISTRICT)])
    numbers = np.concatenate([[int(DEMO_DISTRICT)], rng.choice(pool, n - 1, replace=False)])
    places = rng.permutation(len(PLACES))
    suffix = rng.integers(0, len(DISTRICT_SUFFIXES), n)
    names, place_of = [], []
    for i in range(n):  # one iteration per district (hundreds at most)
        place = PLACES[places[i % len(PLACES)]] if i else DEMO_PLACE
        lap = i // len(PLACES)
        name = DEMO_DISTRICT_NAME if i == 0 else f"{place} {DISTRICT_SUFFIXES[suffix[i]]}"
        if lap and i:
            name = f"{name} {lap + 1}"
        names.append(name)
        place_of.append(place)
    return pl.DataFrame({"district_number": [str(x) for x in numbers], "district_name": names, "place": place_of}).sort(
        "district_number"
    )


def make_schools(rng: np.random.Generator, districts: pl.DataFrame, n_schools: int) -> pl.DataFrame:
    """Schools with unique 4-digit codes, sorted by (district_number, school_code).

    Columns: district_number, school_code, school_name, school_type, low (int), high (int),
    district_idx (row of the district in ``districts``).
    """
    n_d = districts.height
    n_schools = max(n_schools, n_d)
    if n_schools > 9000:
        raise ValueError("too many schools for 4-digit school codes")
    demo_idx = districts["district_number"].to_list().index(DEMO_DISTRICT)
    per = np.ones(n_d, dtype=np.int64)
    extra = n_schools - n_d
    if extra >= 2:
        per[demo_idx] += 2
        extra -= 2
    if extra:
        weights = rng.lognormal(0.0, 0.6, n_d)
        per += rng.multinomial(extra, weights / weights.sum())
    codes = rng.choice(np.setdiff1d(np.arange(1, 10000), [DEMO_MS_CODE]), n_schools, replace=False)
    places = districts["place"].to_list()
    rows = []
    c = 0
    for d in range(n_d):  # one iteration per district; a handful of schools each
        k = int(per[d])
        if k == 1:
            plan = [("K12", 0, 12, "{p} School")]
        elif k == 2:
            plan = [("K8", 0, 8, "{p} K-8 School"), ("HS", 9, 12, "{p} High School")]
        else:
            base = SPANS_B if d == demo_idx or rng.random() < 0.3 else SPANS_A
            plan = list(base) + [EXTRA[j] for j in rng.integers(0, len(EXTRA), k - 3)]
        for j, (stype, lo, hi, pattern) in enumerate(plan):
            place = places[d] if j < 3 else PLACES[int(rng.integers(0, len(PLACES)))]
            code = codes[c]
            if d == demo_idx and stype == "MS" and j < 3:
                code = DEMO_MS_CODE
            name = pattern.format(p=place)
            if j >= 3:
                name = f"{name} {j - 1}" if pattern.format(p=place) in {r[2] for r in rows} else name
            rows.append((districts["district_number"][d], f"{code:04d}", name, stype, lo, hi, d))
            c += 1
    frame = pl.DataFrame(
        rows,
        schema=[
            "district_number",
            "school_code",
            "school_name",
            "school_type",
            "low",
            "high",
            "district_idx",
        ],
        orient="row",
    )
    return frame.sort("district_number", "school_code")


def schools_table(schools: pl.DataFrame) -> pl.DataFrame:
    """The published ``schools`` table (grades as two-character strings)."""
    return schools.with_columns(
        low_grade=pl.col("low").cast(pl.String).str.zfill(2),
        high_grade=pl.col("high").cast(pl.String).str.zfill(2),
    )
