"""PostgreSQL test fixtures: the session's throwaway cluster, stopped when the session ends."""

from __future__ import annotations

import pytest

from tests.postgres.cluster import PgCluster, cluster, stop_cluster


@pytest.fixture(scope="session")
def pg() -> PgCluster:
    yield cluster()
    stop_cluster()
