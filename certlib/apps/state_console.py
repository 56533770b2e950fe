"""The state console: categories and members, the state's event report, and what a round's
submissions rest on. The notebook acts through the store; every allowed/why-not comes from it.
"""

from __future__ import annotations

import polars as pl

from certlib.apps.common import (
    as_identifiers,
    attempt,
    check_note,
    checks_by_action,
    first_value,
    identifier_format,
    now_for,
    refusal_text,
    report_html,
    row_index,
    to_xlsx_bytes,
    views_frame,
)
from certlib.apps.dashboard import event_report, for_event, frames_from_workspace
from certlib.config import settings
from certlib.domain.unit_transitions import with_input


def submission_alerts(rows: list[dict]) -> list[tuple[str, str]]:
    """(markdown, callout kind) for the state console over ``Workspace.submission_evidence`` rows:
    a pinned snapshot whose files changed, and a round whose submissions pin different snapshots."""
    out = []
    changed = [r["certifier"] for r in rows if not r["files_verified"]]
    if changed:
        out.append(
            (
                f"**Pinned snapshot changed on disk** for {', '.join(changed)}: its files no longer match the "
                "SHA-256 that was certified.",
                "danger",
            )
        )
    pins = {r["sha256"] for r in rows}
    if len(pins) > 1:
        out.append(
            (
                f"The submissions of this round pin **{len(pins)} different snapshots**: the state data changed "
                "between them (compare the versions before approving).",
                "warn",
            )
        )
    return out


def group_names(ws=None) -> list[str]:
    """Validation group names for the event form: the workspace's pack, else the deployment's default
    pack (``CERTLIB_RULES``, see :mod:`certlib.config`)."""
    if ws is not None:
        return list(ws.pack.groups)
    from certlib.rules import load_pack

    return list(load_pack(settings().rules).groups)


def members_frame(users, memberships) -> pl.DataFrame:
    """Category members for the state console: category, user, name, level, role, primary, schools."""
    by_id = {u.id: u for u in users}
    rows = []
    for m in memberships:
        u = by_id.get(m.user_id)
        rows.append(
            {
                "category": m.category_id,
                "user": m.user_id,
                "name": u.name if u else "",
                "level": u.level if u else "",
                "district": (u.district_number or "") if u else "",
                "role": m.role,
                "primary": m.primary,
                "schools": ", ".join(m.schools),
            }
        )
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema={"category": pl.String, "user": pl.String})


__all__ = [
    "as_identifiers",
    "attempt",
    "check_note",
    "checks_by_action",
    "event_report",
    "first_value",
    "for_event",
    "frames_from_workspace",
    "group_names",
    "identifier_format",
    "members_frame",
    "now_for",
    "refusal_text",
    "report_html",
    "row_index",
    "submission_alerts",
    "to_xlsx_bytes",
    "views_frame",
    "with_input",
]
