"""The audit chain: one row per accepted action, and any edit, deletion or reordering is detected."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .conftest import OPEN, complete_steps, is_postgres


@pytest.fixture
def chain(store, event_unit):
    """A store with a dozen audit rows."""
    _, unit = event_unit
    for c in ("c1", "c2"):
        complete_steps(store, c, unit)
        store.submit(c, unit, OPEN)
    store.approve("sa", unit, OPEN)
    store.request_recert("sa", unit, "missing students", OPEN)
    store.log("c1", "snapshot taken", OPEN, unit_id=unit, snapshot_sha256="ee" * 32, details={"version": 2})
    assert store.verify_audit().ok
    store.close()
    return store


def _tamper(store, *sql: str) -> None:
    """An attacker with file access: drop the append-only triggers, then change rows."""
    if is_postgres(store):
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE audit DISABLE TRIGGER USER")
            for stmt in sql:
                conn.exec_driver_sql(stmt)
        return
    con = sqlite3.connect(Path(store.location))
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    for stmt in sql:
        con.execute(stmt)
    con.commit()
    con.close()


def test_chain_links_and_counts(chain):
    rows = chain.audit_rows()
    assert [r.id for r in rows] == list(range(1, len(rows) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert rows[-1].action == "snapshot taken" and rows[-1].details == {"version": 2}


def test_append_only_triggers_refuse_update_and_delete(chain):
    if is_postgres(chain):
        import sqlalchemy as sa

        for stmt in ("UPDATE audit SET reason = 'x' WHERE id = 1", "DELETE FROM audit WHERE id = 1", "TRUNCATE audit"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), chain.engine.begin() as conn:
                conn.exec_driver_sql(stmt)
        return
    con = sqlite3.connect(Path(chain.location))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit SET reason = 'x' WHERE id = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit WHERE id = 1")
    con.close()


def _n(chain):
    return len(chain.audit_rows())


FIELDS = ["at", "actor", "action", "from_status", "to_status", "reason", "details", "snapshot_sha256", "unit_id"]


@pytest.mark.parametrize("position", ["first", "middle", "last"])
@pytest.mark.parametrize("field", FIELDS)
def test_editing_any_field_of_any_row_is_detected(chain, field, position):
    n = _n(chain)
    row_id = {"first": 1, "middle": n // 2, "last": n}[position]
    value = "'{\"x\":1}'" if field == "details" else ("424242" if field == "unit_id" else "'forged'")
    _tamper(chain, f"UPDATE audit SET {field} = {value} WHERE id = {row_id}")
    result = chain.verify_audit()
    assert not result.ok and result.first_bad_row == row_id and "edited" in result.problem


def test_deleting_a_row_is_detected(chain):
    _tamper(chain, "DELETE FROM audit WHERE id = 3")
    result = chain.verify_audit()
    assert not result.ok and result.first_bad_row == 4 and "deleted" in result.problem


def test_truncating_the_last_row_is_detected(chain):
    n = _n(chain)
    _tamper(chain, f"DELETE FROM audit WHERE id = {n}")
    result = chain.verify_audit()
    assert not result.ok and "truncated" in result.problem


def test_swapping_two_rows_is_detected(chain):
    _tamper(
        chain,
        "UPDATE audit SET id = -1 WHERE id = 2",
        "UPDATE audit SET id = 2 WHERE id = 3",
        "UPDATE audit SET id = 3 WHERE id = -1",
    )
    result = chain.verify_audit()
    assert not result.ok and result.first_bad_row == 2


def test_rehashing_one_row_still_breaks_the_next_link(chain):
    """A forger who edits row 2 and recomputes its hash still breaks row 3's link."""
    from certlib.store.audit import row_hash

    row = chain.audit_rows()[1]
    forged = {**row.as_dict(), "reason": "forged"}
    _tamper(chain, f"UPDATE audit SET reason = 'forged', hash = '{row_hash(row.prev_hash, forged)}' WHERE id = 2")
    result = chain.verify_audit()
    assert not result.ok and result.first_bad_row == 3 and "does not link" in result.problem
