"""The workflow store (SQLite by default, any SQLAlchemy URL): events, units, progress, audit, alerts.

Front door: :class:`Store` (``Store.open_workspace(dir)``). :func:`load_people` sets up people.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from certlib.store.alerts import SweepResult
from certlib.store.audit import AuditRow, VerifyResult
from certlib.store.readonly import READ_ONLY_ENV, check_writable, is_read_only
from certlib.store.views import EventView, UnitView
from certlib.store.workflow_store import DB_FILE, Store


def load_people(
    store: Store, data: dict[str, Any] | str | Path, now: datetime, actor: str = "system"
) -> dict[str, int]:
    """Load districts, schools, categories, users and memberships from a dict or a TOML file."""
    if not isinstance(data, dict):
        data = tomllib.loads(Path(data).read_text(encoding="utf-8"))
    return store.load_people(data, now, actor)


__all__ = [
    "DB_FILE",
    "READ_ONLY_ENV",
    "AuditRow",
    "EventView",
    "Store",
    "SweepResult",
    "UnitView",
    "VerifyResult",
    "check_writable",
    "is_read_only",
    "load_people",
]
