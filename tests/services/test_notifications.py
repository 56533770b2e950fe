"""Email notifications through a real SMTP server (aiosmtpd, started here): per alert, daily digest,
opt-out, retries while the server is down — never blocking the transition that posted the alert."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from certlib.services.notifications import run

from .conftest import NOW


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real SMTP server on a fixed port that can go down and come back (a new controller each time)."""

    def __init__(self, inbox: Inbox, port: int):
        self.inbox, self.port, self.controller = inbox, port, None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    server = Server(inbox, _free_port())
    server.start()
    monkeypatch.setenv("CERTLIB_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    monkeypatch.setenv("CERTLIB_SMTP_SENDER", "certify@state.example")
    yield inbox, server
    server.stop()


def _sent_units(ws, n: int = 2) -> list[int]:
    return [
        r["unit_id"]
        for r in ws.events_for("state.admin", {}, NOW)
        if r["event_status"] == "Certification Sent to State"
    ][:n]


def _approved(ws) -> list[int]:
    return [
        r["unit_id"]
        for r in ws.events_for("state.admin", {}, NOW)
        if r["event_status"] == "Certification Approved by State"
    ]


def test_alerts_go_out_one_by_one_as_a_digest_or_not_at_all(ws, smtp):
    inbox, _ = smtp
    ws.store.set_prefs("hw.cert1", NOW, email="hal@hawthorne.example")
    ws.store.set_prefs("li.cert1", NOW, email="lee@lincoln.example", digest=True)
    ws.store.set_prefs("ns.cert1", NOW, email="nora@northstar.example", opt_out=True)
    assert run(ws, NOW)["queued"] == 0  # nothing new since the choices were made
    for unit in _sent_units(ws):
        ws.store.approve("state.admin", unit, NOW)
    # the demo's sent units are Hawthorne's and Lincoln's: each gets an "approved" alert
    result = run(ws, NOW)
    assert result["sent"] == result["queued"] == 2 and result["failed"] == 0
    by_to = {tuple(to): msg for to, msg in inbox.messages}
    hal = by_to[("hal@hawthorne.example",)]
    assert hal["From"] == "certify@state.example" and "approved the certification" in hal.get_payload()
    lee = by_to[("lee@lincoln.example",)]
    assert "daily digest" in lee["Subject"] and "approved the certification" in lee.get_payload()
    assert not any("nora@" in to[0] for to, _ in inbox.messages)
    # the digest goes once a day: a second alert today waits for tomorrow's digest
    lincoln = next(u for u in _approved(ws) if ws.unit(u).district_number == "9604")
    ws.store.request_recert("state.admin", lincoln, "late corrections", NOW)
    assert run(ws, NOW + timedelta(hours=1))["queued"] == 0
    assert run(ws, NOW + timedelta(days=1))["sent"] == 1
    assert "requested a recertification" in inbox.messages[-1][1].get_payload()
    assert run(ws, NOW + timedelta(days=2))["queued"] == 0  # nothing new: no empty digest


def test_a_down_server_is_retried_later_and_never_blocks_the_transition(ws, smtp):
    inbox, controller = smtp
    ws.store.set_prefs("hw.cert1", NOW, email="hal@hawthorne.example")
    controller.stop()
    unit = _sent_units(ws, 1)[0]
    ws.store.approve("state.admin", unit, NOW)  # the transition does not wait for mail
    result = run(ws, NOW)
    assert (result["queued"], result["sent"], result["failed"]) == (1, 0, 1)
    [e] = ws.store.emails("hw.cert1")
    assert (e.status, e.attempts) == ("pending", 1) and "cannot reach" in e.last_error
    assert run(ws, NOW + timedelta(seconds=30))["failed"] == 0  # not due yet: retried after a minute
    controller.start()
    assert run(ws, NOW + timedelta(minutes=2))["sent"] == 1
    [e] = ws.store.emails("hw.cert1")
    assert (e.status, e.attempts) == ("sent", 2) and len(inbox.messages) == 1


def test_after_max_attempts_an_email_is_failed_for_good(ws, monkeypatch):
    monkeypatch.setenv("CERTLIB_SMTP_URL", f"smtp://127.0.0.1:{_free_port()}")  # nobody listens
    ws.store.set_prefs("hw.cert1", NOW, email="hal@hawthorne.example")
    ws.store.approve("state.admin", _sent_units(ws, 1)[0], NOW)
    at = NOW
    for _ in range(5):
        run(ws, at)
        at += timedelta(hours=1)
    [e] = ws.store.emails("hw.cert1")
    assert (e.status, e.attempts) == ("failed", 5)


def test_prefs_refuse_a_bad_address_and_no_smtp_means_no_email(ws, monkeypatch):
    from certlib.errors import Refused

    with pytest.raises(Refused, match="not an email address"):
        ws.store.set_prefs("hw.cert1", NOW, email="hal")
    monkeypatch.delenv("CERTLIB_SMTP_URL", raising=False)
    assert run(ws, NOW)["smtp"] is None


def test_cli_prefs_send_and_outbox(ws, smtp):
    import json

    from click.testing import CliRunner

    from certlib.cli import cli

    inbox, _ = smtp
    root = str(ws.root)
    ws.close()

    def certlib(*args: str) -> dict | list:
        res = CliRunner().invoke(cli, ["--workspace", root, *args, "--now", NOW.isoformat(), "--format", "json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    assert (
        certlib("notify", "prefs", "--email", "hal@hawthorne.example", "--as", "hw.cert1")["email"]
        == "hal@hawthorne.example"
    )
    unit = next(
        r["unit_id"]
        for r in certlib("units", "list", "--as", "hw.cert1")
        if r["event_status"] == "Certification Sent to State"
    )
    certlib("approve", str(unit), "--as", "state.admin")
    assert certlib("notify", "send", "--as", "state.admin")["sent"] == 1
    [row] = certlib("notify", "outbox", "--as", "hw.cert1")
    assert (row["status"], row["to_addr"]) == ("sent", "hal@hawthorne.example")
    assert inbox.messages[0][0] == ["hal@hawthorne.example"]
