"""The read-only switch: with ``CERTLIB_READ_ONLY=1`` every mutation of the store is refused.

It lives in the store layer because it depends on the deployment's settings; the domain stays pure.
"""

from __future__ import annotations

from certlib.config import settings
from certlib.errors import ReadOnlyError

READ_ONLY_ENV = "CERTLIB_READ_ONLY"


def is_read_only() -> bool:
    return settings().read_only


def check_writable(action: str, actor: str = "anyone") -> None:
    """Raise ReadOnlyError naming ``action`` when this deployment is read-only."""
    if is_read_only():
        raise ReadOnlyError(action, actor)
