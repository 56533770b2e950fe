"""Tampering with the audit log or the state it records is detected without trusting the database file.

An attacker here can write the database (the append-only triggers dropped or disabled) but not the
deployment's audit key (``CERTLIB_AUDIT_KEY_FILE``) nor the anchor file kept outside the store. Every
case runs on SQLite and on PostgreSQL. Each case names how it is caught: by the keyed chain (MAC), by
an anchor (``audit verify --anchor``), or by replaying units/submissions from the log.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from certlib.errors import StoreError
from certlib.store import Store
from certlib.store.audit import row_hash, row_mac

from .conftest import BACKENDS, OPEN, complete_steps, is_postgres, make_store, publish, unit_of

KEY = "k3y-" + "0123456789abcdef" * 2


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _history(store: Store) -> int:
    """A published event, two submissions, approval, recertification: a dozen audit rows."""
    event = publish(store)
    unit = unit_of(store, event)
    for c in ("c1", "c2"):
        complete_steps(store, c, unit)
        store.submit(c, unit, OPEN)
    store.approve("sa", unit, OPEN)
    return unit


@pytest.fixture
def keyed(backend, tmp_path, monkeypatch):
    """A store written with an audit key and an anchor file beside the workspace (outside the store)."""
    key_file = tmp_path / "audit.key"
    key_file.write_text(KEY)
    monkeypatch.setenv("CERTLIB_AUDIT_KEY_FILE", str(key_file))
    monkeypatch.setenv("CERTLIB_AUDIT_ANCHOR", str(tmp_path / "anchors.jsonl"))
    store = make_store(tmp_path / "ws", backend)
    unit = _history(store)
    assert store.verify_audit().ok and store.verify_audit().keyed
    yield store, unit, tmp_path / "anchors.jsonl"
    store.close()


@pytest.fixture
def unkeyed(backend, tmp_path, monkeypatch):
    """A store without an audit key; its head anchored to a file after every write."""
    monkeypatch.setenv("CERTLIB_AUDIT_ANCHOR", str(tmp_path / "anchors.jsonl"))
    store = make_store(tmp_path / "ws", backend)
    unit = _history(store)
    yield store, unit, tmp_path / "anchors.jsonl"
    store.close()


def _sql(store: Store, *statements: str, params: list[dict] | None = None) -> None:
    """Write the database directly, append-only triggers out of the way (the attacker's move)."""
    if is_postgres(store):
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE audit DISABLE TRIGGER USER")
            for i, stmt in enumerate(statements):
                conn.execute(sa.text(stmt), (params or [{}] * len(statements))[i])
            conn.exec_driver_sql("ALTER TABLE audit ENABLE TRIGGER USER")
        return
    store.engine.dispose()
    con = sqlite3.connect(Path(store.location))
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    for i, stmt in enumerate(statements):
        con.execute(stmt, (params or [{}] * len(statements))[i])
    con.commit()
    con.close()


def _rows(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM audit ORDER BY id"))]


def _rewrite_chain(store: Store, edit_row: int, key: bytes | None, strip_macs: bool = False) -> None:
    """Change row ``edit_row``'s reason, then recompute every hash from it on (and every MAC with ``key``,
    which the real attacker does not have), and the head: a self-consistent forged chain."""
    rows = _rows(store)
    prev = rows[edit_row - 2]["hash"] if edit_row > 1 else "0" * 64
    statements, params = [], []
    for r in rows[edit_row - 1 :]:
        if r["id"] == edit_row:
            r["reason"] = "forged"
        content = {**r, "details": json.loads(r["details"])}
        digest = row_hash(prev, content)
        mac = None if strip_macs else (row_mac(key, digest) if key else r["mac"])
        statements.append(
            "UPDATE audit SET reason = :reason, prev_hash = :prev, hash = :hash, mac = :mac WHERE id = :id"
        )
        params.append({"reason": r["reason"], "prev": prev, "hash": digest, "mac": mac, "id": r["id"]})
        prev = digest
    statements.append("UPDATE audit_head SET hash = :hash WHERE id = 1")
    params.append({"hash": prev})
    _sql(store, *statements, params=params)


def _truncate_last(store: Store) -> None:
    """Delete the last row and wind the head back to the row before: a shorter, consistent chain."""
    rows = _rows(store)
    last, before = rows[-1], rows[-2]
    _sql(
        store,
        "DELETE FROM audit WHERE id = :id",
        "UPDATE audit_head SET count = :n, hash = :h WHERE id = 1",
        params=[{"id": last["id"]}, {"n": before["id"], "h": before["hash"]}],
    )


# ---- the chain itself --------------------------------------------------------------------------------


def test_every_write_anchors_the_head_outside_the_store(keyed):
    store, _, anchors = keyed
    lines = [json.loads(x) for x in anchors.read_text().splitlines()]
    rows = store.audit_rows()
    assert lines[-1]["rows"] == len(rows) and lines[-1]["hash"] == rows[-1].hash
    assert store.verify_audit(anchors).anchors == len(lines)


def test_deleting_the_last_row_and_winding_the_head_back_is_caught_by_the_anchor(unkeyed):
    store, _, anchors = unkeyed
    _truncate_last(store)
    result = store.verify_audit(anchors)
    assert not result.ok and "truncated" in result.problem and "anchor" in result.problem


def test_without_an_anchor_a_wound_back_head_passes_and_verify_says_so(unkeyed, monkeypatch):
    """Why anchors exist: the database alone cannot tell a truncated log from a shorter one when the
    removed row changed no unit (a removed approval is caught by the replay: see the next test)."""
    store, unit, _ = unkeyed
    store.log("c1", "wizard closed", OPEN, unit_id=unit)
    _truncate_last(store)
    monkeypatch.delenv("CERTLIB_AUDIT_ANCHOR")
    result = store.verify_audit()
    assert result.ok and any("no anchor checked" in w for w in result.warnings)


def test_removing_the_last_state_change_is_caught_by_the_replay_even_without_an_anchor(unkeyed, monkeypatch):
    store, _, _ = unkeyed  # the last row is the approval
    _truncate_last(store)
    monkeypatch.delenv("CERTLIB_AUDIT_ANCHOR")
    result = store.verify_audit()
    assert not result.ok and "status is 'Certification Approved by State' in the units table" in result.problem


def test_recomputing_every_hash_is_caught_by_the_anchor_when_unkeyed(unkeyed):
    store, _, anchors = unkeyed
    _rewrite_chain(store, 3, key=None)
    assert store.verify_audit(Path(anchors)).problem.endswith("the log was rewritten")


def test_recomputing_every_hash_without_the_key_is_caught_by_the_mac(keyed, monkeypatch):
    store, _, _ = keyed
    monkeypatch.delenv("CERTLIB_AUDIT_ANCHOR")  # no anchor: the key alone catches it
    _rewrite_chain(store, 3, key=b"attacker-guess-0123456789abcdef")
    result = store.verify_audit()
    assert not result.ok and result.first_bad_row == 3 and "another audit key" in result.problem


def test_recomputing_hashes_and_keeping_the_old_macs_is_caught(keyed, monkeypatch):
    store, _, _ = keyed
    monkeypatch.delenv("CERTLIB_AUDIT_ANCHOR")
    _rewrite_chain(store, 4, key=None)  # old MACs left in place
    result = store.verify_audit()
    assert not result.ok and result.first_bad_row == 4 and "MAC does not match" in result.problem


def test_stripping_every_mac_and_recomputing_is_caught(keyed, monkeypatch):
    store, _, _ = keyed
    monkeypatch.delenv("CERTLIB_AUDIT_ANCHOR")
    _rewrite_chain(store, 1, key=None, strip_macs=True)
    result = store.verify_audit()
    assert not result.ok and "carries no MAC" in result.problem


def test_truncating_a_keyed_chain_is_caught_by_the_anchor(keyed):
    store, _, anchors = keyed
    _truncate_last(store)
    assert "truncated" in store.verify_audit(anchors).problem


def test_a_keyed_log_fails_without_the_key_and_refuses_unkeyed_writers(keyed, monkeypatch):
    store, unit, _ = keyed
    monkeypatch.delenv("CERTLIB_AUDIT_KEY_FILE")
    result = store.verify_audit()
    assert not result.ok and "no audit key is configured" in result.problem
    with pytest.raises(StoreError, match="keyed but no audit key is configured"):
        store.request_recert("sa", unit, "missing rows", OPEN)
    monkeypatch.setenv("CERTLIB_AUDIT_KEY", "another-key-0123456789abcdef")
    assert "another audit key" in store.verify_audit().problem


def test_an_unkeyed_chain_verifies_with_a_warning(unkeyed):
    store, _, anchors = unkeyed
    result = store.verify_audit(anchors)
    assert result.ok and not result.keyed and any("unkeyed" in w for w in result.warnings)


def test_a_row_records_the_real_time_beside_a_supplied_clock(keyed):
    store, _, _ = keyed
    last = store.audit_rows()[-1]
    assert last.at == OPEN.isoformat() and last.clock == "supplied" and last.recorded_at.startswith("20")


# ---- the state the log records -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "caught"),
    [
        ("UPDATE units SET status = 'In Progress'", "status is 'In Progress' in the units table"),
        ("UPDATE units SET round = 7", "round is 7"),
        ("UPDATE units SET data_generation = 3", "data_generation is 3"),
        ("UPDATE units SET requested_by = 'c1'", "requested_by is 'c1'"),
        ("DELETE FROM submissions WHERE user_id = 'c2'", "missing from the submissions table"),
        ("UPDATE submissions SET snapshot_sha256 = 'ab' WHERE user_id = 'c1'", "edited outside certlib"),
        ("UPDATE submissions SET at = '2025-06-30T09:00:00' WHERE user_id = 'c1'", "edited outside certlib"),
        (
            "INSERT INTO submissions (unit_id, round, user_id, at, snapshot_sha256) "
            "SELECT id, round, 'cs', '2025-07-01T09:00:00', NULL FROM units WHERE district_number = '1071'",
            "not in the audit log",
        ),
        ("UPDATE snapshots SET sha256 = 'ab'", "the registry says ('ab'"),
        ("DELETE FROM snapshots", "missing from the snapshot registry"),
        (
            "INSERT INTO snapshots (unit_id, version, sha256, taken_by, taken_at, data_generation) "
            "SELECT unit_id, 9, sha256, taken_by, taken_at, data_generation FROM snapshots",
            "no audit row took it",
        ),
        (
            "INSERT INTO units (event_id, district_number, school_code, status, round, data_generation) "
            "SELECT event_id, district_number, '0588', 'Certification Approved by State', 1, 0 FROM units "
            "WHERE district_number = '1071'",
            "no audit row created it",
        ),
    ],
)
def test_direct_edits_of_units_and_submissions_do_not_replay_from_the_log(keyed, statement, caught):
    store, _, anchors = keyed
    _sql(store, statement)
    result = store.verify_audit(anchors)
    assert not result.ok and caught in result.problem


def test_units_and_submissions_replay_after_every_kind_of_change(keyed):
    store, unit, anchors = keyed
    store.request_recert("sa", unit, "missing rows", OPEN)
    store.record_resync("c1", unit, OPEN)
    result = store.verify_audit(anchors)
    assert result.ok and result.units == 2 and result.submissions == 2


# ---- a lost store is not silently replaced -------------------------------------------------------------


def test_a_zero_byte_store_is_an_error_not_a_fresh_start(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "certlib.db").write_bytes(b"")
    for create in (True, False):
        with pytest.raises(StoreError, match="empty"):
            Store.open_workspace(ws, create=create)
    assert (ws / "certlib.db").stat().st_size == 0


@pytest.mark.parametrize("left", ["snapshots/3/1/manifest.json", "reports/unit3-r1-c1-district.json"])
def test_a_missing_store_beside_earlier_work_is_an_error(tmp_path, left):
    ws = tmp_path / "ws"
    (ws / left).parent.mkdir(parents=True)
    (ws / left).write_text("{}")
    with pytest.raises(StoreError, match="was lost; restore"):
        Store.open_workspace(ws, create=True)
    from certlib.services import Workspace

    with pytest.raises(StoreError, match="was lost; restore"):
        Workspace.open(ws)
    assert not (ws / "certlib.db").exists()


def test_a_new_store_where_the_anchor_records_history_is_refused(keyed, backend, tmp_path):
    """The database replaced by an empty one (file deleted, or a new PostgreSQL database): the anchor
    outside the store remembers there was a log."""
    if backend == "postgresql":
        from tests.postgres.cluster import cluster

        with pytest.raises(StoreError, match="records .* rows of a store"):
            Store(cluster().new_database())
        return
    store, _, _ = keyed
    store.close()
    Path(store.location).unlink()
    with pytest.raises(StoreError, match="records .* rows of a store"):
        Store(store.location)
