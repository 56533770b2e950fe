"""One paging rule for every list (events CLI, differences grid, the apps' tables)."""

from __future__ import annotations

import polars as pl
import pytest

from certlib.apps.common import page
from certlib.services import differences as dif
from certlib.services.events import EventFilters, filter_rows
from certlib.services.paging import window

CASES = [  # total, page, size -> (page, pages, start, stop, caption)
    (5, 1, 2, (1, 3, 0, 2, "1 - 2 of 5 items")),
    (5, 3, 2, (3, 3, 4, 5, "5 - 5 of 5 items")),
    (5, 99, 2, (3, 3, 4, 5, "5 - 5 of 5 items")),  # past the end: the last page
    (5, 0, 2, (1, 3, 0, 2, "1 - 2 of 5 items")),  # below 1: the first page
    (5, 2, 0, (1, 1, 0, 5, "1 - 5 of 5 items")),  # size 0: everything
    (0, 1, 25, (1, 1, 0, 0, "0 of 0 items")),
    (1200, 2, 1000, (2, 2, 1000, 1200, "1,001 - 1,200 of 1,200 items")),
]


@pytest.mark.parametrize(("total", "number", "size", "expected"), CASES)
def test_window(total, number, size, expected) -> None:
    w = window(total, number, size)
    assert (w.number, w.pages, w.start, w.stop, w.caption) == expected


@pytest.mark.parametrize(("total", "number", "size", "expected"), [c for c in CASES if c[2]])
def test_the_apps_and_the_events_list_page_alike(total, number, size, expected) -> None:
    p = page(pl.DataFrame({"i": list(range(total))}), number, size)
    assert (p.number, p.pages, p.rows["i"].to_list(), p.caption) == (
        expected[0],
        expected[1],
        list(range(expected[2], expected[3])),
        expected[4],
    )
    rows = [
        {
            "event_name": "e",
            "school_name": "",
            "school": "",
            "user_status": "",
            "event_status": "",
            "due_date": "2025-01-01",
            "reporting_year": 2025,
            "event_publication": "Published",
            "district": "1",
            "event_id": 1,
            "unit_id": i,
        }
        for i in range(total)
    ]
    got = filter_rows(rows, EventFilters(page=number, page_size=size))
    assert (got.page, got.pages, [r["unit_id"] for r in got.rows]) == (
        expected[0],
        expected[1],
        list(range(expected[2], expected[3])),
    )
    if number >= 1:
        assert dif.page_of([object()] * total, number, size).caption == expected[4]  # type: ignore[list-item]
