"""The printable certificate of a unit's certification round (issue 18, item 5).

Why from the store's facts only: the certificate names what the certification rests on — each
certifier's attestation (statement, name, title, when), the pinned snapshot's SHA-256 (verified on
disk as the page is made), the runs on record each step cites — and the state's approval when there
is one. Nothing on it is typed in by the person printing it. Every value is HTML-escaped.

>>> html = certificate_html(ws, "state.admin", 4, now)                      # doctest: +SKIP
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any

from certlib.domain.statuses import WIZARD_STEPS
from certlib.errors import NotFound, SnapshotError

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace

_CSS = """
body{font-family:Georgia,serif;max-width:780px;margin:24px auto;color:#1a1a1a}
h1{text-align:center;font-size:26px;margin-bottom:4px}.sub{text-align:center;color:#555;margin-top:0}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}td,th{border:1px solid #bbb;padding:4px 8px;
text-align:left;vertical-align:top;font-size:13px}th{background:#f2f2f2;width:32%}
.sha{font-family:monospace;font-size:12px;word-break:break-all}.statement{font-style:italic;margin:8px 0}
.ok{color:#1b5e20}.bad{color:#b71c1c}section{page-break-inside:avoid;border-top:2px solid #333;margin-top:16px}
@media print{body{margin:0}}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def certificate_facts(
    ws: Workspace, user: str, unit_id: int, now: datetime, round_: int | None = None
) -> dict[str, Any]:
    """Everything the certificate shows, as data (the HTML renders this)."""
    view = ws.store.unit_view(user, unit_id, now)  # Refused outside the user's scope
    unit, event = view.unit, view.event
    rnd = unit.round if round_ is None else round_
    subs = ws.store.submissions(unit_id, rnd)
    if not subs:
        raise NotFound(f"unit {unit_id} has no submission in round {rnd}: nothing to certify yet")
    names = {u.id: u.name for u in ws.store.users()}
    districts = {d.number: d.name for d in ws.store.districts()}
    schools = {s.code: s.name for s in ws.store.schools()}
    attest = {a["user_id"]: a for a in ws.store.attestations(unit_id, rnd)}
    versions = {r.sha256: r.version for r in ws.store.snapshot_records(unit_id)}
    audit = ws.store.audit_rows(unit_id=unit_id)
    submissions = []
    for sub in subs:
        sha = sub.snapshot_sha256 or ""
        try:
            ws.pinned_snapshot(unit_id, sha)  # against the SHA-256 the store registered
            verified, problem = True, ""
        except SnapshotError as err:
            verified, problem = False, str(err)
        row = next(
            (
                a
                for a in audit
                if a.action == "submit" and a.actor == sub.user_id and (a.details or {}).get("round") == rnd
            ),
            None,
        )
        runs = []
        for step, run_id in sorted(((row.details or {}).get("runs") or {}).items()) if row else []:
            if run_id is None:
                continue
            ev = ws.store.evidence(int(run_id))
            runs.append(
                {
                    "step": int(step),
                    "name": WIZARD_STEPS.get(int(step), ""),
                    "run": ev.id,
                    "source": ev.source,
                    "at": ev.at,
                    "data_generation": ev.data_generation,
                }
            )
        a = attest.get(sub.user_id) or {}
        submissions.append(
            {
                "certifier": sub.user_id,
                "name": a.get("name") or names.get(sub.user_id, sub.user_id),
                "title": a.get("title", ""),
                "statement": a.get("statement", ""),
                "at": sub.at,
                "sha256": sha,
                "snapshot_version": versions.get(sha),
                "files_verified": verified,
                "problem": problem,
                "runs": runs,
            }
        )
    approval = None
    for a in audit:
        if a.action == "approve" and (a.details or {}).get("round") == rnd:
            approval = {
                "by": a.actor,
                "name": names.get(a.actor, a.actor),
                "at": a.at,
                "note": a.reason or "",
                "audit_row": a.id,
            }
    year = event.reporting_year
    return {
        "event": event.name,
        "event_id": event.id,
        "school_year": f"{year - 1}-{str(year)[-2:]}",
        "category": event.category_id,
        "unit_id": unit.id,
        "district": unit.district_number,
        "district_name": districts.get(unit.district_number, ""),
        "school": unit.school_code or "",
        "school_name": schools.get(unit.school_code or "", ""),
        "round": rnd,
        "status": str(unit.status),
        "submissions": submissions,
        "approval": approval,
        "printed_at": now.isoformat(),
        "printed_by": user,
    }


def certificate_html(ws: Workspace, user: str, unit_id: int, now: datetime, round_: int | None = None) -> str:
    f = certificate_facts(ws, user, unit_id, now, round_)
    where = f"{f['district_name']} ({f['district']})"
    if f["school"]:
        where = f"{f['school_name']} ({f['school']}), {where}"
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Certificate — {_e(f['event'])} — {_e(where)}</title>"
        f"<style>{_CSS}</style></head><body>",
        "<h1>Certificate of Data Certification</h1>",
        f"<p class='sub'>{_e(f['event'])} · school year {_e(f['school_year'])} · category {_e(f['category'])}</p>",
        "<table>",
        f"<tr><th>Certified for</th><td>{_e(where)}</td></tr>",
        f"<tr><th>Unit</th><td>{_e(f['unit_id'])} (event {_e(f['event_id'])})</td></tr>",
        f"<tr><th>Certification round</th><td>{_e(f['round'])}</td></tr>",
        f"<tr><th>Status</th><td>{_e(f['status'])}</td></tr>",
        "</table>",
    ]
    for s in f["submissions"]:
        check = (
            "<span class='ok'>files verified when this page was made</span>"
            if s["files_verified"]
            else f"<span class='bad'>does NOT verify: {_e(s['problem'])}</span>"
        )
        who = _e(s["name"]) + (f", {_e(s['title'])}" if s["title"] else "")
        parts += [
            "<section>",
            f"<h2>Submitted by {who}</h2>",
            f"<p class='statement'>“{_e(s['statement'])}”</p>" if s["statement"] else "",
            "<table>",
            f"<tr><th>Certifier</th><td>{who} ({_e(s['certifier'])})</td></tr>",
            f"<tr><th>Submitted</th><td>{_e(s['at'])}</td></tr>",
            f"<tr><th>Pinned snapshot</th><td>version {_e(s['snapshot_version'])}: "
            f"<span class='sha'>SHA-256 {_e(s['sha256'])}</span><br>{check}</td></tr>",
        ]
        for r in s["runs"]:
            parts.append(
                f"<tr><th>Step {_e(r['step'])} {_e(r['name'])}</th><td>run {_e(r['run'])} at {_e(r['at'])}: "
                f"{_e(r['source'])}</td></tr>"
            )
        parts += ["</table>", "</section>"]
    a = f["approval"]
    parts.append("<section><h2>Approval</h2><table>")
    if a:
        parts.append(
            f"<tr><th>Approved by the state</th><td>{_e(a['name'])} ({_e(a['by'])}) on {_e(a['at'])}"
            + (f": {_e(a['note'])}" if a["note"] else "")
            + "</td></tr>"
        )
    else:
        parts.append("<tr><th>Approved by the state</th><td>not approved (yet) in this round</td></tr>")
    parts.append("</table></section>")
    parts.append(f"<p class='sub'>Printed {_e(f['printed_at'])} by {_e(f['printed_by'])} from certlib's records.</p>")
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)
