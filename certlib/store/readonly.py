"""The read-only switch: with ``CERTLIB_READ_ONLY=1`` every mutation of the store is refused.

It lives in the store layer because it reads the environment; the domain stays pure.
"""

from __future__ import annotations

import os

from certlib.errors import ReadOnlyError

READ_ONLY_ENV = "CERTLIB_READ_ONLY"


def is_read_only() -> bool:
    return os.environ.get(READ_ONLY_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def check_writable(action: str, actor: str = "anyone") -> None:
    """Raise ReadOnlyError naming ``action`` when this deployment is read-only."""
    if is_read_only():
        raise ReadOnlyError(action, actor)
