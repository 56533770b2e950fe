"""One page of a list: which slice of ``total`` items page ``number`` of ``size`` is, and its caption.

Why: the events list (CLI), the differences grid and the apps' tables page the same way — a page past
the end is the last page, a page below 1 the first, ``size`` 0 means everything on one page — and
caption it as the help article's grids do ("1 - 25 of 800 items").

>>> w = window(5, 9, 2)
>>> (w.number, w.pages, w.start, w.stop, w.caption)
(3, 3, 4, 5, '5 - 5 of 5 items')
>>> window(0).caption
'0 of 0 items'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Page ``number`` (1-based) of ``pages``: items ``start`` (inclusive) to ``stop`` (exclusive) of ``total``."""

    number: int
    pages: int
    total: int
    start: int
    stop: int

    @property
    def caption(self) -> str:
        if not self.total:
            return "0 of 0 items"
        return f"{self.start + 1:,} - {self.stop:,} of {self.total:,} items"


def window(total: int, number: int = 1, size: int = 25) -> Window:
    """The window of page ``number`` (clamped into range) of ``size`` items (0 = all) over ``total`` items."""
    if not size or not total:
        return Window(1, 1, total, 0, total)
    pages = -(-total // size)
    number = min(max(int(number), 1), pages)
    start = (number - 1) * size
    return Window(number, pages, total, start, min(start + size, total))
