"""Whom the command line trusts with an asserted actor (``--as``) and a supplied clock (``--now``,
``CERTLIB_NOW``).

Why: the CLI cannot authenticate a user id; whoever runs it names one. In a demo (no
``CERTLIB_AUTH_HEADER``/``CERTLIB_IDENTITY``) that is the point. In a deployed certlib the apps take
the identity from the sign-in, so the CLI acts as someone else, or moves the clock that audit stamps
and due-date windows follow, only for the OS accounts listed in ``CERTLIB_ADMINS``. Either way the
audit row says so: ``clock = supplied`` beside the real ``recorded_at``, and ``via`` names the CLI
and the OS account (see :mod:`certlib.store.audit`).
"""

from __future__ import annotations

import os
import pwd

from certlib.config import Settings, settings
from certlib.errors import Refused


def os_account() -> str:
    """The OS account of this process (from the kernel's uid, not from the environment)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # pragma: no cover - a uid without a passwd entry (some containers)
        return f"uid {os.geteuid()}"


def override_refusal(what: str, s: Settings | None = None, account: str | None = None) -> str | None:
    """Why this process may not use ``what`` (``--as``, ``--now``, ``CERTLIB_NOW``), or None."""
    s = s or settings()
    if s.mode == "demo":
        return None
    account = account or os_account()
    if account in s.admins:
        return None
    return (
        f"missing right: this certlib is deployed (sign-in by CERTLIB_AUTH_HEADER/CERTLIB_IDENTITY), so {what} "
        f"is trusted only for an OS account listed in CERTLIB_ADMINS; {account} is not"
    )


def check_override(what: str, actor: str | None = None) -> None:
    """Refuse ``what`` (nothing written) unless :func:`override_refusal` allows it."""
    why = override_refusal(what)
    if why:
        raise Refused(f"use {what}", actor or os_account(), None, why)


def cli_channel() -> str:
    """How audit rows written by the CLI name their channel."""
    return f"cli --as (OS account {os_account()})"
