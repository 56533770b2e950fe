"""The store's side of email notifications: per-user choices and the outbox.

Why an outbox: a transition posts its alerts inside its own transaction and must never wait for (or
fail with) a mail server. The worker later turns new alerts into outbox rows — one per alert, or one
daily digest per user who asked for it, none for a user who opted out or has no address — and sends
them; a failed send stays pending with a later ``next_attempt_at`` until ``max_attempts``.

:class:`NotificationFacts` is mixed into :class:`certlib.store.Store`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from certlib.errors import Refused
from certlib.store import rows
from certlib.store import schema as t

PENDING, SENT, FAILED = "pending", "sent", "failed"
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Prefs:
    user_id: str
    email: str | None
    digest: bool
    opt_out: bool

    def as_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "email": self.email or "", "digest": self.digest, "opt_out": self.opt_out}


@dataclass(frozen=True)
class Email:
    id: int
    user_id: str
    to_addr: str
    subject: str
    body: str
    alert_ids: tuple[int, ...]
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    sent_at: str | None
    digest: bool

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "body"}
        out["alert_ids"] = list(self.alert_ids)
        return out


def _email(r: Any) -> Email:
    return Email(
        r.id,
        r.user_id,
        r.to_addr,
        r.subject,
        r.body,
        tuple(json.loads(r.alert_ids)),
        r.status,
        r.attempts,
        r.next_attempt_at,
        r.last_error,
        r.sent_at,
        r.digest_day is not None,
    )


def _line(a: Any) -> str:
    due = f" (due {a.due_date.isoformat()})" if a.due_date else ""
    return f"- {a.posted_at[:16].replace('T', ' ')}  {a.text}{due}"


class NotificationFacts:
    """Store methods for email notifications (see the module docstring)."""

    def set_prefs(
        self,
        actor_id: str,
        now: datetime,
        *,
        email: str | None = None,
        digest: bool | None = None,
        opt_out: bool | None = None,
    ) -> Prefs:
        """A user's own email address and choices (unchanged where None)."""
        with self._write("notification preferences", actor_id) as conn:  # type: ignore[attr-defined]
            rows.get_user(conn, actor_id)
            if email is not None and email and "@" not in email:
                raise Refused("notification preferences", actor_id, None, f"{email!r} is not an email address")
            old = _prefs(conn, actor_id)
            values = {
                "email": old.email if email is None else (email or None),
                "digest": old.digest if digest is None else digest,
                "opt_out": old.opt_out if opt_out is None else opt_out,
                "updated_at": now.isoformat(),
            }
            where = t.notification_prefs.c.user_id == actor_id
            if conn.execute(t.notification_prefs.update().where(where).values(**values)).rowcount == 0:
                last = conn.execute(sa.select(sa.func.max(t.alerts.c.id))).scalar() or 0
                conn.execute(t.notification_prefs.insert().values(user_id=actor_id, mailed_through=last, **values))
            return _prefs(conn, actor_id)

    def prefs(self, user_id: str) -> Prefs:
        with self._read() as conn:  # type: ignore[attr-defined]
            rows.get_user(conn, user_id)
            return _prefs(conn, user_id)

    def queue_emails(self, now: datetime) -> int:
        """Turn each user's alerts posted since their last email (and since they gave an address) into
        outbox rows: one per alert, or for digest users one digest a day carrying them all. Opted-out
        users and users without an address get none. Returns how many rows were added."""
        with self._write("queue emails", "system") as conn:  # type: ignore[attr-defined]
            added = 0
            q = (
                sa.select(t.notification_prefs)
                .where(t.notification_prefs.c.opt_out.is_(False), t.notification_prefs.c.email.is_not(None))
                .order_by(t.notification_prefs.c.user_id)
                .with_for_update()
            )
            for p in list(conn.execute(q)):
                new = [
                    rows.alert_from(x)
                    for x in conn.execute(
                        sa.select(t.alerts)
                        .where(t.alerts.c.user_id == p.user_id, t.alerts.c.id > p.mailed_through)
                        .order_by(t.alerts.c.id)
                    )
                ]
                if not new:
                    continue
                if p.digest:
                    today = now.date()
                    if conn.execute(
                        sa.select(t.email_outbox.c.id).where(
                            t.email_outbox.c.user_id == p.user_id, t.email_outbox.c.digest_day == today
                        )
                    ).first():
                        continue  # today's digest went out: these wait for tomorrow's
                    body = (
                        f"{len(new)} new message(s) in your certlib Message Center:\n\n"
                        + "\n".join(map(_line, new))
                        + "\n"
                    )
                    added += _queue(
                        conn,
                        p.user_id,
                        p.email,
                        f"[certlib] daily digest {today.isoformat()}: {len(new)} message(s)",
                        body,
                        [a.id for a in new],
                        today,
                        now,
                    )
                else:
                    for a in new:
                        added += _queue(
                            conn,
                            p.user_id,
                            p.email,
                            f"[certlib] {a.process}: {a.text[:120]}",
                            _line(a) + "\n",
                            [a.id],
                            None,
                            now,
                        )
                conn.execute(
                    t.notification_prefs.update()
                    .where(t.notification_prefs.c.user_id == p.user_id)
                    .values(mailed_through=new[-1].id)
                )
            return added

    def due_emails(self, now: datetime) -> list[Email]:
        """Pending outbox rows whose next attempt is due, oldest first."""
        with self._read() as conn:  # type: ignore[attr-defined]
            q = (
                sa.select(t.email_outbox)
                .where(t.email_outbox.c.status == PENDING, t.email_outbox.c.next_attempt_at <= now.isoformat())
                .order_by(t.email_outbox.c.id)
            )
            return [_email(r) for r in conn.execute(q)]

    def emails(self, user_id: str | None = None, status: str | None = None) -> list[Email]:
        with self._read() as conn:  # type: ignore[attr-defined]
            q = sa.select(t.email_outbox).order_by(t.email_outbox.c.id)
            if user_id is not None:
                q = q.where(t.email_outbox.c.user_id == user_id)
            if status is not None:
                q = q.where(t.email_outbox.c.status == status)
            return [_email(r) for r in conn.execute(q)]

    def email_result(
        self, email_id: int, now: datetime, error: str | None = None, max_attempts: int = MAX_ATTEMPTS
    ) -> Email:
        """Record a send: sent, or one more failed attempt (retried after 1, 2, 4... minutes; FAILED
        after ``max_attempts``)."""
        with self._write("record email", "system") as conn:  # type: ignore[attr-defined]
            r = conn.execute(sa.select(t.email_outbox).where(t.email_outbox.c.id == email_id).with_for_update()).one()
            attempts = r.attempts + 1
            if error is None:
                values = {"status": SENT, "attempts": attempts, "sent_at": now.isoformat(), "last_error": None}
            else:
                later = now + timedelta(minutes=2 ** (attempts - 1))
                values = {
                    "status": FAILED if attempts >= max_attempts else PENDING,
                    "attempts": attempts,
                    "last_error": error[:500],
                    "next_attempt_at": later.isoformat(),
                }
            conn.execute(t.email_outbox.update().where(t.email_outbox.c.id == email_id).values(**values))
            return _email(conn.execute(sa.select(t.email_outbox).where(t.email_outbox.c.id == email_id)).one())


def _queue(
    conn: sa.Connection,
    user_id: str,
    to: str,
    subject: str,
    body: str,
    alert_ids: list[int],
    digest_day: Any,
    now: datetime,
) -> int:
    conn.execute(
        t.email_outbox.insert().values(
            user_id=user_id,
            to_addr=to,
            subject=subject,
            body=body,
            alert_ids=json.dumps(alert_ids),
            digest_day=digest_day,
            status=PENDING,
            attempts=0,
            next_attempt_at=now.isoformat(),
            created_at=now.isoformat(),
        )
    )
    return 1


def _prefs_from(r: Any) -> Prefs:
    return Prefs(r.user_id, r.email, bool(r.digest), bool(r.opt_out))


def _prefs(conn: sa.Connection, user_id: str) -> Prefs:
    r = conn.execute(sa.select(t.notification_prefs).where(t.notification_prefs.c.user_id == user_id)).one_or_none()
    return _prefs_from(r) if r is not None else Prefs(user_id, None, False, False)
