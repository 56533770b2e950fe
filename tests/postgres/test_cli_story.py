"""The workflow CLI's full scenario with ``CERTLIB_DATABASE_URL`` pointing at PostgreSQL.

Reuses tests/cli_workflow's scenario and fixtures unchanged; only the runner's environment differs.
It ends with ``certlib audit verify`` passing, and no SQLite file is ever created in the workspace.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli_workflow.conftest import Certlib
from tests.cli_workflow.conftest import published as published  # noqa: F401  (fixture, re-exported)
from tests.cli_workflow.test_scenario import test_full_certification_scenario as scenario


class PgCertlib(Certlib):
    """``certlib --workspace WS ...`` with the store in a PostgreSQL database."""

    def __init__(self, workspace: Path, url: str):
        super().__init__(workspace)
        self.url = url
        self.env = {"CERTLIB_DATABASE_URL": url}


@pytest.fixture
def certlib(pg, tmp_path: Path) -> PgCertlib:
    c = PgCertlib(tmp_path / "ws", pg.new_database().replace("postgresql+psycopg://", "postgresql://"))
    c.setup()
    return c


def test_cli_scenario_on_postgresql_passes_audit_verify(certlib, published):
    scenario(certlib, published)
    assert not (certlib.workspace / "certlib.db").exists()
    engine = sa.create_engine(certlib.url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert conn.dialect.name == "postgresql"
        rows = conn.exec_driver_sql("SELECT count(*) FROM audit").scalar()
        head = conn.exec_driver_sql("SELECT count FROM audit_head").scalar()
    engine.dispose()
    assert rows == head and rows > 10
    assert certlib.ok("audit", "verify")["ok"] is True
