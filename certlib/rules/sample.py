"""A small adversarial typed sample of a pack's tables, for the compiler's dry run and the differential tests.

Every column cycles through the values that break translations: NULLs, empty and blank-padded strings,
non-ASCII letters (ß, İ, é, an Arabic-Indic digit), number-like text that does not parse, extreme
integers, float halves, boundary dates. Columns are offset against each other so that rows mix them.
A compiled rule that raises on this sample would raise at run time on some district's data: the
compiler refuses it at check time instead.

>>> from certlib.rules import load_pack
>>> frames = adversarial_frames(load_pack())                   # doctest: +SKIP
>>> frames["enrollments"].height                                # doctest: +SKIP
13
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from certlib.rules.model import Pack

ROWS = 13
VALUES: dict[str, list] = {
    "string": [None, "", "  ", "a ", " a", "ß", "İ", "é", "x", "12", " 12 ", "E1", "\u0663"],
    "int": [None, 0, 1, -1, 2**63 - 1, -(2**63), 2**31, 12, 7, -12, 100, 3, 2],
    "float": [None, 0.0, -0.5, 0.5, 2.5, 999999.5, -999999.5, 12.5, -2.5, 1.5, 0.1, 3.0, 7.25],
    "date": [
        None,
        date(1900, 1, 1),
        date(1970, 1, 1),
        date(2000, 2, 29),
        date(2024, 12, 31),
        date(9999, 12, 31),
        date(2024, 8, 15),
        date(2025, 6, 30),
        date(2025, 1, 1),
        date(1, 1, 1),
        date(2024, 2, 29),
        date(2025, 7, 1),
        date(2024, 9, 3),
    ],
    "datetime": [
        None,
        datetime(1970, 1, 1),
        datetime(2024, 12, 31, 23, 59, 59),
        datetime(2000, 2, 29, 12),
        datetime(2025, 6, 30),
        datetime(9999, 12, 31),
        datetime(2024, 8, 15, 8, 30),
        datetime(2025, 1, 1),
        datetime(1900, 1, 1),
        datetime(2024, 2, 29),
        datetime(2025, 7, 1),
        datetime(2024, 9, 3),
        datetime(2024, 9, 3, 0, 0, 1),
    ],
    "bool": [None, True, False, True, False, None, True, True, False, False, True, None, True],
}


def adversarial_frames(pack: Pack) -> dict[str, pl.DataFrame]:
    from certlib.rules.model import POLARS_TYPES

    frames = {}
    for t in pack.tables.values():
        data = {}
        for i, c in enumerate(t.columns):
            vals = VALUES[c.type]
            data[c.name] = pl.Series(
                c.name, [vals[(r + i) % len(vals)] for r in range(ROWS)], dtype=POLARS_TYPES[c.type]
            )
        frames[t.name] = pl.DataFrame(data)
    return frames


__all__ = ["VALUES", "adversarial_frames"]
