"""The wizard's state copy in PostgreSQL (``CERTLIB_STATE_DATA=postgresql://...``), district copies by a
``{district}`` template (``CERTLIB_DISTRICT_DATA``): the state validation job reads the database and finds
what it finds on the files, a snapshot of it is the files' snapshot byte for byte; a resync, which writes files, is refused before anything is recorded."""

from __future__ import annotations

from datetime import datetime

import pytest

from certlib.engine.tables import scan_tables
from certlib.errors import DataError
from certlib.services import Workspace
from certlib.services.runs import run_unit

NOW = datetime(2025, 7, 1, 10)
PG_TYPES = {
    "string": "text",
    "int": "bigint",
    "float": "double precision",
    "date": "date",
    "datetime": "timestamp",
    "bool": "boolean",
}


def load_pack_tables(url: str, pack, data_dir) -> None:
    """Every table of ``pack`` from ``data_dir`` into the database's public schema (names as declared)."""
    import psycopg

    frames = scan_tables(data_dir, pack)
    with psycopg.connect(url, autocommit=True) as con:
        for name, table in pack.tables.items():
            cols = ", ".join(f'"{c.name}" {PG_TYPES[c.type]}' for c in table.columns)
            con.execute(f'CREATE TABLE "{name}" ({cols})')
            with con.cursor() as cur, cur.copy(f'COPY "{name}" FROM STDIN') as copy:
                for row in frames[name].collect().iter_rows():
                    copy.write_row(row)


def eoy_unit(ws: Workspace, district: str) -> int:
    return next(
        r["unit_id"]
        for r in ws.events_for("state.admin", {"event_name": "End of Year Attendance"}, NOW)
        if r["district"] == district
    )


def test_the_state_copy_may_be_a_postgresql_database(pg, tmp_path, monkeypatch):
    Workspace.create_demo(tmp_path / "ws", now=NOW).close()
    ws = Workspace.open(tmp_path / "ws")
    try:
        files = ws.state_dir
        url = pg.new_database().replace("postgresql+psycopg://", "postgresql://")
        load_pack_tables(url, ws.pack, files)
        unit = eoy_unit(ws, "1071")
        wiz = ws.wizard("ns.cert1", unit, NOW)
        wiz.run_district()
        on_files = run_unit(ws, unit, files, "state data", NOW)

        monkeypatch.setenv("CERTLIB_STATE_DATA", url)
        assert ws.state_dir == url
        wiz.queue_state_validation()
        [done] = ws.run_pending(NOW)
        assert done.status == "COMPLETED", done.error
        on_db = run_unit(ws, unit, ws.state_dir, "state data", NOW)
        assert [(r.id, r.status, r.count) for r in on_db.rules] == [(r.id, r.status, r.count) for r in on_files.rules]
        assert any(r.count for r in on_db.rules)

        from_db = ws.take_snapshot("ns.cert1", unit, NOW)
        monkeypatch.delenv("CERTLIB_STATE_DATA")
        from_files = ws.take_snapshot("ns.cert1", unit, NOW)
        monkeypatch.setenv("CERTLIB_STATE_DATA", url)
        assert from_db.rows == from_files.rows and sum(from_db.rows.values()) > 0
        assert from_db.sha256 == from_files.sha256  # the same rows, the same bytes

        audit = ws.store.audit_count()
        with pytest.raises(DataError, match="the state copy is the database .*a resync writes the state's data files"):
            ws.resync("ns.cert1", unit, NOW)
        assert ws.store.audit_count() == audit  # refused before anything was recorded

        monkeypatch.setenv("CERTLIB_DISTRICT_DATA", str(tmp_path / "copies" / "{district}"))
        assert ws.district_dir("1071") == tmp_path / "copies" / "1071"
        monkeypatch.setenv("CERTLIB_DISTRICT_DATA", url.rsplit("/", 1)[0] + "/district_{district}")
        assert ws.district_dir("1071").endswith("/district_1071")
    finally:
        ws.close()
