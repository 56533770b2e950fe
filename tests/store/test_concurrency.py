"""Concurrent conflicting transitions on one unit: exactly one winner each, no audit row lost."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from certlib.domain import UnitStatus
from certlib.errors import Refused

from .conftest import OPEN, SETUP, complete_steps

N_CERT = 24
N_APPROVERS = 4


def _race(calls):
    """Run every call at once (a barrier releases them together); return (#won, refusal reasons)."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            call()
            return None
        except Refused as err:
            return err.reason

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        results = list(pool.map(run, calls))
    return sum(r is None for r in results), [r for r in results if r is not None]


def test_twenty_plus_threads_one_winner_per_conflict(store):
    certs = [f"p{i:02d}" for i in range(N_CERT)]
    approvers = [f"a{i}" for i in range(N_APPROVERS)]
    store.load_people(
        {
            "categories": [{"id": "CONC", "name": "Concurrency"}],
            "users": [{"id": c, "name": c, "level": "district", "district": "1071"} for c in certs]
            + [{"id": a, "name": a, "level": "state", "rights": ["read"]} for a in approvers],
            "memberships": [{"user": c, "category": "CONC", "role": "certifier", "primary": True} for c in certs]
            + [{"user": a, "category": "CONC", "role": "approver"} for a in approvers],
        },
        SETUP,
    )
    event = store.create_event(
        "sa",
        SETUP,
        name="Race",
        reporting_year=2025,
        category_id="CONC",
        level="district",
        groups=["Enrollment"],
        start_date="2025-06-01",
        certification_opens="2025-06-10",
        end_date="2025-07-31",
    )
    store.publish_event("sa", event.id, SETUP)
    unit = next(u.id for u in store.units(event.id) if u.district_number == "1071")
    for c in certs:
        complete_steps(store, c, unit)
    audit_before = store.audit_count()
    won_total = 0

    # every certifier submits twice at once: each certifier's first submit wins, the duplicate is refused
    won, refused = _race([lambda c=c: store.submit(c, unit, OPEN) for c in certs for _ in range(2)])
    assert won == N_CERT and len(refused) == N_CERT
    assert all("already submitted" in r or "wrong status" in r for r in refused)
    assert store.unit(unit).status == UnitStatus.SENT
    sent_rows = [r for r in store.audit_rows(unit_id=unit) if r.to_status == UnitStatus.SENT]
    assert len(sent_rows) == 1  # exactly one submission was the last primary
    won_total += won

    won, refused = _race([lambda a=approvers[i % N_APPROVERS]: store.approve(a, unit, OPEN) for i in range(20)])
    assert won == 1 and all("wrong status" in r for r in refused)
    won_total += won

    won, refused = _race([lambda c=c: store.request_recert(c, unit, f"asked by {c}", OPEN) for c in certs[:20]])
    assert won == 1 and all("wrong status" in r for r in refused)
    assert store.unit(unit).status == UnitStatus.RECERT_REQUESTED
    won_total += won

    calls = [lambda a=approvers[i % N_APPROVERS]: store.accept_request(a, unit, OPEN) for i in range(10)]
    calls += [lambda a=approvers[i % N_APPROVERS]: store.deny_request(a, unit, "no", OPEN) for i in range(10)]
    won, refused = _race(calls)
    assert won == 1 and len(refused) == 19
    assert store.unit(unit).status in (UnitStatus.RECERT_IN_PROGRESS, UnitStatus.APPROVED)
    won_total += won

    assert store.audit_count() - audit_before == won_total  # no audit row lost, none for refusals
    assert len(store.submissions(unit, 1)) == N_CERT
    assert store.verify_audit().ok


def _approve_in_own_process(args):
    """Child process: open its own Store (own engine, own SQLite connections) and try to approve."""
    location, unit, barrier = args
    from certlib.store import Store

    store = Store(location)
    try:
        barrier.wait()
        store.approve("sa", unit, OPEN)
        return "won"
    except Refused as err:
        return err.reason
    finally:
        store.close()


def test_twenty_processes_approving_at_once_one_wins(store, event_unit):
    import multiprocessing as mp

    _, unit = event_unit
    for c in ("c1", "c2"):
        complete_steps(store, c, unit)
        store.submit(c, unit, OPEN)
    rows_before = store.audit_count()
    store.close()
    ctx = mp.get_context("fork")
    n = 20
    with ctx.Manager() as manager:
        barrier = manager.Barrier(n)
        with ctx.Pool(n) as pool:
            results = pool.map(_approve_in_own_process, [(store.location, unit, barrier)] * n)
    assert results.count("won") == 1
    assert all("wrong status" in r for r in results if r != "won")
    assert store.audit_count() == rows_before + 1 and store.verify_audit().ok
    assert store.unit(unit).status == UnitStatus.APPROVED
