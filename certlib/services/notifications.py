"""Email notifications (issue 18, item 6): every Message Center alert can also go out by email.

Why a worker pass: sending talks to a mail server that may be slow or down, so it never happens in a
transition. :func:`run` (called by the job worker after the queued jobs, whenever ``CERTLIB_SMTP_URL``
is set) queues new alerts into the store's outbox — one email per alert, or one daily digest for users
who chose it, nothing for users who opted out — and sends what is due through the configured SMTP
server; a failed send is retried later (see :meth:`certlib.store.Store.email_result`).

>>> run(ws, now)                        # doctest: +SKIP
{'queued': 3, 'sent': 3, 'failed': 0}
"""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlparse

from certlib.config import settings

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace


def _connect(url: str, timeout: float = 20.0) -> smtplib.SMTP:
    u = urlparse(url)
    host, port = u.hostname or "localhost", u.port
    if u.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=timeout)
    else:
        server = smtplib.SMTP(host, port or 25, timeout=timeout)
        if parse_qs(u.query).get("starttls", ["0"])[0] in ("1", "true", "yes"):
            server.starttls()
    if u.username:
        server.login(unquote(u.username), unquote(u.password or ""))
    return server


def send_due(ws: Workspace, now: datetime, url: str, sender: str) -> dict[str, int]:
    """Send every due outbox email through ``url``; each result recorded (sent / retry later / failed)."""
    sent = failed = 0
    due = ws.store.due_emails(now)
    if not due:
        return {"sent": 0, "failed": 0}
    server: smtplib.SMTP | None = None
    try:
        server = _connect(url)
    except (OSError, smtplib.SMTPException) as err:
        for e in due:
            ws.store.email_result(e.id, now, error=f"cannot reach {urlparse(url).hostname}: {err}")
        return {"sent": 0, "failed": len(due)}
    try:
        for e in due:
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = sender, e.to_addr, e.subject
            msg.set_content(e.body)
            try:
                server.send_message(msg)
            except (OSError, smtplib.SMTPException) as err:
                ws.store.email_result(e.id, now, error=str(err))
                failed += 1
            else:
                ws.store.email_result(e.id, now)
                sent += 1
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return {"sent": sent, "failed": failed}


def run(ws: Workspace, now: datetime | None = None) -> dict[str, Any]:
    """One pass: queue new alerts (and due digests), then send what is due. Nothing without an SMTP URL."""
    s = settings()
    if not s.smtp_url:
        return {"queued": 0, "sent": 0, "failed": 0, "smtp": None}
    at = s.clock(now)
    queued = ws.store.queue_emails(at)
    return {"queued": queued, **send_due(ws, at, s.smtp_url, s.smtp_sender)}
