"""One local Spark session (``local[2]``, 2 shuffle partitions, no UI) for the whole test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    from certlib.engine.spark_engine import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()
