"""What a unit's submissions rest on, for the state to check before approving.

Why: the state approves on the district's word only as far as it can check it. For each submission
of a round this lists the pinned snapshot (its registered version), whether its files still verify
on disk, and the runs on record that each of the certifier's steps cites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from certlib.domain.statuses import WIZARD_STEPS
from certlib.errors import SnapshotError

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace


def submission_evidence(ws: Workspace, unit_id: int, round_: int | None = None) -> list[dict[str, Any]]:
    """One row per submission in the round (default: the unit's current one), oldest first."""
    rnd = ws.unit(unit_id).round if round_ is None else round_
    versions = {r.sha256: r.version for r in ws.store.snapshot_records(unit_id)}
    rows = []
    for sub in ws.store.submissions(unit_id, rnd):
        sha = sub.snapshot_sha256 or ""
        try:
            ws.pinned_snapshot(unit_id, sha)
            problem = ""
        except SnapshotError as err:
            problem = str(err)
        steps = ws.store.progress(sub.user_id, unit_id, rnd)
        row: dict[str, Any] = {
            "certifier": sub.user_id,
            "submitted_at": sub.at,
            "round": rnd,
            "snapshot_version": versions.get(sha),
            "sha256": sha,
            "files_verified": not problem,
            "problem": problem,
        }
        for step, name in WIZARD_STEPS.items():
            p = steps.get(step)
            row[f"step {step} {name}"] = ws.store.evidence(p.evidence_id).source if p and p.evidence_id else ""
        rows.append(row)
    return rows
