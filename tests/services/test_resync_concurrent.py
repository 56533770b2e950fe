"""Two districts resyncing at once: both pushes land in the state copy (no lost update)."""

from __future__ import annotations

import threading

from certlib.services import Workspace
from certlib.services import compare as cmp

from .conftest import NOW, eoy_unit


def test_concurrent_resyncs_of_two_units_both_land(ws: Workspace) -> None:
    units = {d: eoy_unit(ws, d) for d in ("1071", "7988")}
    assert all(not cmp.is_clean(ws.compare(u)) for u in units.values())  # the demo state lags for both
    start = threading.Barrier(len(units))
    errors: list[BaseException] = []

    def push(district: str, unit: int) -> None:
        try:
            start.wait()
            ws.resync(f"{'ns' if district == '1071' else 'hw'}.cert1", unit, NOW)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=push, args=item) for item in units.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for district, unit in units.items():
        assert cmp.is_clean(ws.compare(unit)), f"{district}'s resync was lost"
    assert not list(ws.state_dir.glob(".*.tmp")) and not (ws.state_dir / cmp.JOURNAL).exists()
