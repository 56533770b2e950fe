"""Who is using the app, and how this deployment is configured.

Two modes:

- **demo** (the default, ``make run``): the notebooks show a clearly labelled *"signed in as"*
  picker of the scenario's users. Nothing is authenticated; it is for trying certlib out.
- **deployed**: the identity comes from the request and the picker is never shown. Configure one of
    - ``CERTLIB_AUTH_HEADER=X-Forwarded-User`` — a trusted header set by an authenticating reverse
      proxy (oauth2-proxy, Apache/nginx auth modules...). Only safe when the proxy strips the header
      from client requests and marimo is reachable only through the proxy.
    - ``CERTLIB_IDENTITY=request`` — the authenticated user of marimo's ASGI request
      (``mo.app_meta().request.user``; e.g. when certlib's notebooks are mounted in a FastAPI/Starlette
      app with its own authentication middleware).

``CERTLIB_READ_ONLY=1`` marks a read-only deployment (the analyst app). The refusal itself is done
by certlib's store (:mod:`certlib.store.readonly`), not by the notebooks; :func:`read_only` only lets
the notebooks *say* so up front.

Everything here is pure over ``env`` (a mapping, default the process environment, parsed by
:class:`certlib.config.Settings`) and the request object, so it is tested without a server. The
notebooks' side — the running app's request, the demo picker widget, the store's user and what the
user may open and read — is :mod:`certlib.apps.session`.

>>> resolve({}, None).mode
'demo'
>>> resolve({"CERTLIB_AUTH_HEADER": "X-Forwarded-User"}, {"headers": {"x-forwarded-user": "ana"}}).user_id
'ana'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from certlib.config import Settings, settings

Mode = Literal["demo", "deployed"]

AUTH_HEADER_ENV = "CERTLIB_AUTH_HEADER"
IDENTITY_ENV = "CERTLIB_IDENTITY"
READ_ONLY_ENV = "CERTLIB_READ_ONLY"
DEMO_USER_ENV = "CERTLIB_DEMO_USER"

DEMO_LABEL = "DEMO — not signed in: pick whose shoes to stand in"


def _plain(text: str | None) -> str | None:
    """Text from a request as it may appear in a one-line markdown banner: no markup, one line."""
    if text is None:
        return None
    return " ".join(text.translate({ord(c): None for c in "`*<>[]#|\\"}).split())[:80] or "?"


@dataclass(frozen=True)
class Identity:
    """The resolved identity of the person using the app.

    ``user_id`` is None when nobody could be identified (deployed mode without the header, or
    demo mode before a user is picked). ``source`` says where it came from: ``"demo"``,
    ``"header:<name>"``, ``"request"`` or ``"none"``. ``show_picker`` is True only in demo mode.
    """

    mode: Mode
    user_id: str | None
    source: str
    show_picker: bool
    read_only: bool
    problem: str | None = None  # why nobody is identified, for the notebook to show

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def banner(self, user_name: str | None = None) -> str:
        """A one-line markdown description for the top of every notebook."""
        ro = " · **read-only deployment**" if self.read_only else ""
        who = _plain(user_name or self.user_id)
        if self.mode == "demo":
            return f"**Demo mode** — acting as **{who or 'nobody yet'}** (not authenticated){ro}"
        if who is None:
            return f"**Not signed in** — {self.problem or 'no identity in the request'}{ro}"
        return f"Signed in as **{who}** ({self.source}){ro}"


def _settings(env: Mapping[str, str] | None) -> Settings:
    return settings(env)


def read_only(env: Mapping[str, str] | None = None) -> bool:
    """True when ``CERTLIB_READ_ONLY`` is set to 1/true/yes/on."""
    return _settings(env).read_only


def mode(env: Mapping[str, str] | None = None) -> Mode:
    """``"deployed"`` when an auth header or request identity is configured, else ``"demo"``."""
    return _settings(env).mode


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def header_value(request: Any, header: str) -> str | None:
    """The value of ``header`` (case-insensitive) in a marimo ``HTTPRequest`` or a mapping with
    ``headers``; None when absent or blank."""
    headers = _get(request, "headers") or {}
    want = header.strip().lower()
    for k, v in dict(headers).items():
        if str(k).lower() == want and str(v).strip():
            return str(v).strip()
    return None


def request_user(request: Any) -> str | None:
    """The authenticated username of the request's ``user`` (set by auth middleware), or None.

    marimo's own token auth names everybody ``"user"``; that is not an identity and is ignored.
    """
    user = _get(request, "user") or {}
    if not _get(user, "is_authenticated"):
        return None
    name = _get(user, "username") or _get(user, "display_name")
    if not name or name == "user":
        return None
    return str(name)


def resolve(env: Mapping[str, str] | None = None, request: Any = None, picked: str | None = None) -> Identity:
    """Resolve who is using the app.

    ``request`` is ``mo.app_meta().request`` (or any mapping with ``headers``/``user``); ``picked``
    is the demo picker's value and is ignored in deployed mode — a deployed app never trusts a
    user id chosen in the page.
    """
    s = _settings(env)
    ro = s.read_only
    if s.mode == "demo":
        user = picked or s.demo_user or None
        return Identity("demo", user, "demo", True, ro, None if user else "pick a demo user")
    header = s.auth_header
    if header:
        value = header_value(request, header)
        if value:
            return Identity("deployed", value, f"header:{header}", False, ro)
        return Identity(
            "deployed",
            None,
            "none",
            False,
            ro,
            f"the trusted header {header} is missing from the request (is the auth proxy in front?)",
        )
    user = request_user(request)
    if user:
        return Identity("deployed", user, "request", False, ro)
    return Identity("deployed", None, "none", False, ro, "the request carries no authenticated user")


def can_save_rules(app_mode: str | None, env: Mapping[str, str] | None = None) -> tuple[bool, str]:
    """Whether the rule lab may write a rule file: only in marimo *edit* mode and never in a
    read-only deployment. Returns (allowed, reason shown when not)."""
    if read_only(env):
        return False, "this deployment is read-only (CERTLIB_READ_ONLY=1)"
    if app_mode != "edit":
        return False, "saving rule files is only possible when the notebook runs in edit mode (marimo edit)"
    return True, ""


def deployment_note(env: Mapping[str, str] | None = None) -> str:
    """One markdown line describing this deployment, for the landing page."""
    s = _settings(env)
    ro = " **Read-only deployment:** every change is refused." if s.read_only else ""
    if s.mode == "demo":
        return (
            "**Demo mode** — not authenticated: each app has a clearly labelled *signed in as* picker "
            "of the demo scenario's users." + ro
        )
    header = s.auth_header
    how = f"the `{header}` header set by the auth proxy" if header else "the request's authenticated user"
    return f"Signed-in users are identified by {how}." + ro


__all__ = [
    "AUTH_HEADER_ENV",
    "DEMO_LABEL",
    "IDENTITY_ENV",
    "READ_ONLY_ENV",
    "Identity",
    "can_save_rules",
    "deployment_note",
    "header_value",
    "mode",
    "read_only",
    "request_user",
    "resolve",
]
