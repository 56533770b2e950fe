"""Immutable, content-hashed snapshots of the state copy for one unit.

Why: a certification pins *what* was certified. A snapshot is the state copy's rows in the unit's
scope, one parquet file per table, written to a temporary directory and renamed into
``<snapshots>/<unit>/<version>/`` in one step (readers never see half a snapshot; two writers get two
versions). ``manifest.json`` holds row counts and the SHA-256 of every file and of the whole; every
read verifies it, so a file changed on disk is caught (:class:`SnapshotError`) and submit refuses.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from certlib.engine import scan_tables
from certlib.errors import SnapshotError
from certlib.rules.model import Pack
from certlib.services.compare import state_lock

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Snapshot:
    """One verified snapshot version of a unit."""

    unit_id: int
    version: int
    path: Path
    sha256: str
    taken_at: str
    taken_by: str
    rows: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        return {
            "unit_id": self.unit_id,
            "version": self.version,
            "sha256": self.sha256,
            "taken_at": self.taken_at,
            "taken_by": self.taken_by,
            "rows": self.rows,
            "path": str(self.path),
        }


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def overall_sha256(files: Mapping[str, str]) -> str:
    """The snapshot's SHA-256: over the sorted ``name:sha`` lines of its files."""
    text = "".join(f"{name}:{sha}\n" for name, sha in sorted(files.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _sorted(frame: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    cols = [k for k in keys if k in frame.columns] or frame.columns
    return frame.sort(cols, nulls_last=True, maintain_order=True) if frame.height else frame


class Snapshots:
    """The snapshot versions under ``root`` (``<ws>/snapshots``)."""

    def __init__(self, root: Path, pack: Pack):
        self.root = Path(root)
        self.pack = pack

    def take(self, unit_id: int, state_dir: Path, scope: Mapping[str, str], actor: str, now: datetime) -> Snapshot:
        """Copy the scoped state rows into a new version; returns it (verified)."""
        frames = scan_tables(state_dir, self.pack, scope)
        with state_lock(state_dir, shared=True):  # every table from one moment: before a resync or after it
            collected = {name: frames[name].collect() for name in sorted(frames)}
        tmp = self.root / ".tmp" / f"{os.getpid()}-{uuid.uuid4().hex}"  # the pid: see clean_leftovers
        tmp.mkdir(parents=True)
        try:
            files, rows = {}, {}
            for name in sorted(frames):
                df = _sorted(collected[name], self.pack.tables[name].keys)
                path = tmp / f"{name}.parquet"
                df.write_parquet(path, statistics=False)
                files[f"{name}.parquet"] = file_sha256(path)
                rows[name] = df.height
            manifest = {
                "unit_id": unit_id,
                "taken_at": now.isoformat(),
                "taken_by": actor,
                "scope": dict(scope),
                "files": files,
                "rows": rows,
                "sha256": overall_sha256(files),
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
            return self.read(unit_id, self._publish(unit_id, tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _publish(self, unit_id: int, tmp: Path) -> int:
        """Rename ``tmp`` to the next free version; a concurrent writer that won a number makes us retry."""
        unit_dir = self.root / str(unit_id)
        unit_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(1000):
            version = max(self.versions(unit_id), default=0) + 1
            try:
                os.rename(tmp, unit_dir / str(version))
                return version
            except OSError as err:
                if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
        raise SnapshotError(f"unit {unit_id}: could not find a free snapshot version")

    def versions(self, unit_id: int) -> list[int]:
        unit_dir = self.root / str(unit_id)
        if not unit_dir.is_dir():
            return []
        return sorted(int(p.name) for p in unit_dir.iterdir() if p.name.isdigit())

    def list(self, unit_id: int) -> list[Snapshot]:
        return [self.read(unit_id, v) for v in self.versions(unit_id)]

    def read(self, unit_id: int, version: int) -> Snapshot:
        """Load and verify one version; any changed, missing or extra file raises SnapshotError."""
        path = self.root / str(unit_id) / str(version)
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise SnapshotError(f"snapshot {unit_id}/{version}: unreadable manifest ({err})") from err
        problems = verify_files(path, manifest)
        if problems:
            raise SnapshotError(f"snapshot {unit_id}/{version} failed verification: " + "; ".join(problems))
        return Snapshot(
            unit_id,
            version,
            path,
            manifest["sha256"],
            manifest["taken_at"],
            manifest["taken_by"],
            dict(manifest["rows"]),
        )

    def registered(self, unit_id: int, version: int, sha256: str) -> Snapshot:
        """Version ``version`` verified against ``sha256``, the hash the store registered when the
        version was written — not only against the manifest beside the files (rewriting files and
        manifest together must not pass)."""
        snap = self.read(unit_id, version)
        if snap.sha256 != sha256:
            raise SnapshotError(
                f"snapshot {unit_id}/{version} failed verification: its files hash to {snap.sha256[:12]}… "
                f"but the store registered {sha256[:12]}… when it was taken (rewritten on disk)"
            )
        return snap

    def by_sha(self, unit_id: int, sha256: str) -> Snapshot:
        """The version whose SHA-256 is ``sha256`` (verified), or SnapshotError."""
        for v in self.versions(unit_id):
            try:
                manifest = json.loads((self.root / str(unit_id) / str(v) / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # an unreadable manifest names no hash; `read` reports it for that version
            if isinstance(manifest, dict) and manifest.get("sha256") == sha256:
                return self.read(unit_id, v)
        raise SnapshotError(f"unit {unit_id}: no snapshot with SHA-256 {sha256[:12]}…")

    def frame(self, snap: Snapshot, table: str) -> pl.DataFrame:
        return pl.read_parquet(snap.path / f"{table}.parquet")

    def diff(self, unit_id: int, a: int, b: int) -> dict[str, dict[str, list]]:
        """Per table: keys added in ``b``, removed from ``a``, changed fields (both values)."""
        from certlib.services.compare import diff_frames

        sa, sb = self.read(unit_id, a), self.read(unit_id, b)
        out: dict[str, dict[str, list]] = {}
        for name in sorted(sa.rows):
            keys = list(self.pack.tables[name].keys)
            d = diff_frames(self.frame(sa, name), self.frame(sb, name), keys)
            out[name] = {"added": d.extra_in_b, "removed": d.missing_in_b, "changed": d.changed}
        return out


def clean_leftovers(root: Path, alive: Callable[[int], bool]) -> list[str]:
    """Delete the half-written snapshot directories of processes that are gone (``<root>/.tmp/<pid>-<id>``,
    the pid not ``alive``); returns their names. A live writer's directory is left alone."""
    tmp_root = Path(root) / ".tmp"
    removed = []
    if tmp_root.is_dir():
        for d in sorted(tmp_root.iterdir()):
            pid = d.name.split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
                shutil.rmtree(d, ignore_errors=True)
                removed.append(d.name)
    return removed


def verify_files(path: Path, manifest: Mapping[str, object]) -> list[str]:
    """What is wrong with the files of a snapshot directory compared with its manifest."""
    files = dict(manifest.get("files") or {})  # type: ignore[call-overload]
    problems = []
    present = {p.name for p in path.iterdir() if p.name != MANIFEST}
    for extra in sorted(present - set(files)):
        problems.append(f"unexpected file {extra}")
    for name, sha in sorted(files.items()):
        f = path / name
        if not f.exists():
            problems.append(f"{name} is missing")
        elif file_sha256(f) != sha:
            problems.append(f"{name} changed (SHA-256 differs from the manifest)")
    if overall_sha256(files) != manifest.get("sha256"):
        problems.append("manifest SHA-256 does not match its files")
    return problems
