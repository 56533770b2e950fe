"""District copy vs state copy for one unit, and resync (push the district's rows to the state).

Why: a district certifies what the *state* holds. When step 2 shows records the district has but
the state lacks (the sync lags), the comparison says which records and fields differ, and resync
replaces the unit's rows in each state table — each file written to a temporary file and moved into
place with ``os.replace``. All temporary files are written first and listed in a journal
(``.resync-journal.json``) before the first replace; :func:`finish_resync` (run when a workspace
opens) completes the replaces of a journal left by a killed process. So an interrupted resync leaves
the state copy either as before (killed while writing) or as after (killed while replacing).
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from certlib.engine import scan_tables
from certlib.engine.database import is_database_url, redact
from certlib.engine.tables import apply_scope, data_file
from certlib.errors import DataError
from certlib.rules.model import Pack


@dataclass
class FrameDiff:
    """Keys only in ``a``, keys only in ``b``, and changed fields ``{key, column, a, b}``."""

    keys: list[str]
    missing_in_b: list[list[Any]] = field(default_factory=list)
    extra_in_b: list[list[Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.missing_in_b or self.extra_in_b or self.changed)


def _plain(v: Any) -> Any:
    return v if isinstance(v, (int, float, str, bool)) or v is None else str(v)


def _key_rows(frame: pl.DataFrame, keys: list[str]) -> list[list[Any]]:
    return [[_plain(v) for v in row] for row in frame.select(keys).sort(keys).iter_rows()]


def diff_frames(a: pl.DataFrame, b: pl.DataFrame, keys: list[str]) -> FrameDiff:
    """Compare two frames of one table by ``keys`` (repeated keys are left out of the field diff)."""
    out = FrameDiff(keys)
    ka, kb = a.select(keys).unique(), b.select(keys).unique()
    out.missing_in_b = _key_rows(ka.join(kb, on=keys, how="anti", nulls_equal=True), keys)
    out.extra_in_b = _key_rows(kb.join(ka, on=keys, how="anti", nulls_equal=True), keys)
    ua = a.filter(~pl.struct(keys).is_duplicated())
    ub = b.filter(~pl.struct(keys).is_duplicated())
    cols = [c for c in a.columns if c not in keys and c in b.columns]
    if not cols:
        return out
    both = ua.join(ub, on=keys, how="inner", suffix="__b", nulls_equal=True)
    for col in cols:
        diff = both.filter(pl.col(col).ne_missing(pl.col(f"{col}__b"))).sort(keys)
        for row in diff.select(*keys, col, f"{col}__b").iter_rows():
            out.changed.append(
                {
                    "key": [_plain(v) for v in row[: len(keys)]],
                    "column": col,
                    "a": _plain(row[-2]),
                    "b": _plain(row[-1]),
                }
            )
    out.changed.sort(key=lambda c: (str(c["key"]), c["column"]))
    return out


def scoped_tables(pack: Pack) -> list[str]:
    """Tables that belong to a district (the ones a unit's comparison and resync touch)."""
    return sorted(n for n, t in pack.tables.items() if t.district_key and t.keys)


def compare(pack: Pack, district_dir: Path, state_dir: Path, scope: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Per table: ``missing_in_state``, ``extra_in_state``, ``changed`` (``district`` / ``state`` values)."""
    dist = scan_tables(district_dir, pack, scope)
    state = scan_tables(state_dir, pack, scope)
    out: dict[str, dict[str, Any]] = {}
    for name in scoped_tables(pack):
        keys = list(pack.tables[name].keys)
        d = diff_frames(dist[name].collect(), state[name].collect(), keys)
        out[name] = {
            "key_columns": keys,
            "missing_in_state": d.missing_in_b,
            "extra_in_state": d.extra_in_b,
            "changed": [
                {"key": c["key"], "column": c["column"], "district": c["a"], "state": c["b"]} for c in d.changed
            ],
        }
    return out


def is_clean(result: Mapping[str, Mapping[str, Any]]) -> bool:
    return all(not (t["missing_in_state"] or t["extra_in_state"] or t["changed"]) for t in result.values())


def summary(result: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per table: counts of missing / extra / changed."""
    return [
        {
            "table": n,
            "missing_in_state": len(t["missing_in_state"]),
            "extra_in_state": len(t["extra_in_state"]),
            "changed_fields": len(t["changed"]),
        }
        for n, t in result.items()
    ]


LOCK = ".resync.lock"


@contextmanager
def state_lock(state_dir: Path, shared: bool = False) -> Iterator[None]:
    """One resync at a time per state copy, across threads and processes: each one reads a table,
    swaps its unit's rows and writes it back, so two at once would lose one's rows. Readers that
    need every table from one moment (a snapshot, a state validation) hold it ``shared``. A state copy
    in a database needs no file lock: it is read in one read-only REPEATABLE READ transaction (and a
    resync, which writes files, refuses it)."""
    if is_database_url(state_dir):
        yield
        return
    state_dir = Path(state_dir).resolve()
    if shared and (state_dir / JOURNAL).exists():
        finish_resync(state_dir)  # a resync that died after committing: complete it before reading
    with open(state_dir.parent / f".{state_dir.name}{LOCK}", "a+b") as fh:  # beside it: the copy holds only tables
        fcntl.flock(fh, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            if shared and (state_dir / JOURNAL).exists():  # it died again meanwhile: never read half a resync
                raise DataError(f"a resync of {state_dir} is half done (its journal is there): try again")
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def writable_state(state_dir: Path | str) -> None:
    """Refuse a resync into a state copy that is a database (a resync writes the state's data files)."""
    if is_database_url(state_dir):
        raise DataError(
            f"the state copy is the database {redact(str(state_dir))}: a resync writes the state's "
            "data files, so it is not available; load the district's corrections into the state "
            "database, then run the state validation again"
        )


def resync(
    pack: Pack,
    district_dir: Path,
    state_dir: Path,
    scope: Mapping[str, str],
    tables: list[str] | None = None,
    *,
    locked: bool = False,
) -> dict[str, int]:
    """Replace the unit's rows of each state table by the district's; returns rows written per table.
    ``locked``: the caller already holds :func:`state_lock` exclusively."""
    writable_state(state_dir)
    state_dir = Path(state_dir)
    if locked:
        return _resync(pack, district_dir, state_dir, scope, tables)
    with state_lock(state_dir):
        return _resync(pack, district_dir, state_dir, scope, tables)


def _resync(
    pack: Pack, district_dir: Path, state_dir: Path, scope: Mapping[str, str], tables: list[str] | None
) -> dict[str, int]:
    _finish(state_dir / JOURNAL)  # an earlier committed resync that died half-way goes in first
    dist = scan_tables(district_dir, pack, scope)
    staged: list[tuple[Path, Path]] = []
    written: dict[str, int] = {}
    try:
        for name in tables or scoped_tables(pack):
            table = pack.tables[name]
            target = data_file(state_dir, table)
            if target.suffix.lower() != ".parquet":
                raise DataError(f"{target}: resync writes parquet state tables only; this one is missing")
            current = pl.read_parquet(target)
            in_scope = apply_scope(current.lazy().with_row_index("__row"), table, scope).select("__row").collect()
            rest = current.with_row_index("__row").join(in_scope, on="__row", how="anti").drop("__row")
            fresh = dist[name].collect().select(current.columns).cast(dict(current.schema))
            new = pl.concat([rest, fresh], how="vertical")
            tmp = state_dir / f".{name}.{uuid.uuid4().hex}.tmp"
            new.write_parquet(tmp)
            staged.append((tmp, target))
            written[name] = fresh.height
        journal = state_dir / JOURNAL
        journal_tmp = state_dir / f".{JOURNAL}.{uuid.uuid4().hex}"
        journal_tmp.write_text(json.dumps([[t.name, g.name] for t, g in staged]), encoding="utf-8")
        os.replace(journal_tmp, journal)  # from here on the resync is committed
        staged = []
        _finish(journal)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return written


JOURNAL = ".resync-journal.json"


def finish_resync(state_dir: Path) -> int:
    """Complete a committed resync (replace what its journal lists, then drop the journal); returns
    how many files were moved. Harmless when there is no journal (or the copy is a database)."""
    if is_database_url(state_dir):
        return 0
    journal = Path(state_dir) / JOURNAL
    if not journal.exists():
        return 0
    with state_lock(state_dir):
        return _finish(journal)


def clean_leftovers(state_dir: Path) -> dict[str, object]:
    """After a crash, with the state copy's exclusive lock held by the caller: complete a committed
    resync (its journal), then delete the temporary table copies a killed resync left behind (no
    resync is in flight while the lock is held). Returns what was done."""
    state_dir = Path(state_dir)
    moved = _finish(state_dir / JOURNAL)
    removed = []
    for tmp in sorted([*state_dir.glob(".*.tmp"), *state_dir.glob(f".{JOURNAL}.*")]):
        removed.append({"file": tmp.name, "bytes": tmp.stat().st_size})
        tmp.unlink()
    return {"journal_files_moved": moved, "tmp_removed": removed}


def has_leftovers(state_dir: Path) -> bool:
    """Is there a resync journal or a temporary table copy in the state copy?"""
    state_dir = Path(state_dir)
    return (state_dir / JOURNAL).exists() or any(state_dir.glob(".*.tmp"))


def _finish(journal: Path) -> int:
    if not journal.exists():
        return 0  # another process finished it while we waited for the lock
    moved = 0
    for tmp_name, target_name in json.loads(journal.read_text(encoding="utf-8")):
        tmp = journal.parent / tmp_name
        if tmp.exists():
            os.replace(tmp, journal.parent / target_name)
            moved += 1
    journal.unlink()
    return moved
