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

Everything here is pure over ``env`` (a mapping, default ``os.environ``) and the request object, so
it is tested without a server.

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
from certlib.domain.scope import DataScope, app_refusal, data_scope
from certlib.errors import CertlibError, NotFound, ReadOnlyError

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
        return Identity("deployed", None, "none", False, ro,
                        f"the trusted header {header} is missing from the request (is the auth proxy in front?)")
    user = request_user(request)
    if user:
        return Identity("deployed", user, "request", False, ro)
    return Identity("deployed", None, "none", False, ro, "the request carries no authenticated user")


def current(picked: str | None = None) -> Identity:
    """:func:`resolve` for the running marimo app (reads ``mo.app_meta().request``)."""
    request = None
    try:
        import marimo as mo

        request = mo.app_meta().request
    except Exception:  # outside a marimo runtime there is no request
        request = None
    return resolve(None, request, picked)


def can_save_rules(app_mode: str | None, env: Mapping[str, str] | None = None) -> tuple[bool, str]:
    """Whether the rule lab may write a rule file: only in marimo *edit* mode and never in a
    read-only deployment. Returns (allowed, reason shown when not)."""
    if read_only(env):
        return False, "this deployment is read-only (CERTLIB_READ_ONLY=1)"
    if app_mode != "edit":
        return False, "saving rule files is only possible when the notebook runs in edit mode (marimo edit)"
    return True, ""


__all__ = [
    "AUTH_HEADER_ENV",
    "DEMO_LABEL",
    "IDENTITY_ENV",
    "READ_ONLY_ENV",
    "Identity",
    "SignIn",
    "landing",
    "not_signed_in",
    "can_save_rules",
    "current",
    "header_value",
    "mode",
    "read_only",
    "request_user",
    "resolve",
    "sign_in",
]


# ---------------------------------------------------------------------------------------------
# Where the workspace is (deployment configuration)
# ---------------------------------------------------------------------------------------------

WORKSPACE_ENV = "CERTLIB_WORKSPACE"


def workspace_dir(env: Mapping[str, str] | None = None) -> str:
    """The workspace directory of this deployment: ``CERTLIB_WORKSPACE`` or ``./workspace``."""
    return str(_settings(env).workspace.absolute())


def open_workspace(env: Mapping[str, str] | None = None) -> tuple[Any, str | None]:
    """Open the deployment's workspace through the services façade, as an app starts it: jobs left
    RUNNING by a dead worker are failed with the reason, and the due-soon/overdue alerts sweep runs
    (idempotent; skipped on a read-only deployment).

    Returns ``(workspace, None)`` or ``(None, what to do next)`` so a notebook can show an empty
    state instead of a traceback when the demo workspace has not been created yet.
    """
    from certlib.services import Workspace  # the heavy services only when an app opens a workspace

    path = workspace_dir(env)
    try:
        ws = Workspace.open(path)
    except ReadOnlyError as err:  # an older database that this read-only deployment may not migrate
        return None, (f"the workspace at `{path}` needs its database upgraded ({err}). Open it once from a "
                      f"writable deployment, e.g. `certlib --workspace {path} audit verify`.")
    except Exception as err:  # a CertlibError or a missing directory: say what to do
        return None, _no_workspace(path, err)
    try:
        ws.start()
    except CertlibError as err:
        ws.close()
        return None, f"the workspace at `{path}` opened but could not start ({err}); try again in a moment."
    return ws, None


def _no_workspace(path: str, err: Exception) -> str:
    return (f"no usable workspace at `{path}` ({err}). Create the demo workspace with "
            f"`certlib demo init --workspace {path}` or run `make run`.")


def user_options(users, levels: tuple[str, ...] | None = None) -> dict[str, str]:
    """Options for the demo "signed in as" picker: ``"Name · level district/school (id)" -> id``,
    users of ``levels`` first (in that order), then the rest."""
    def label(u) -> str:
        where = " ".join(x for x in (getattr(u, "district_number", None), getattr(u, "school_code", None)) if x)
        return f"{u.name} · {u.level}{(' ' + where) if where else ''} ({u.id})"

    order = {lv: i for i, lv in enumerate(levels or ())}
    ranked = sorted(users, key=lambda u: (order.get(u.level, len(order)), u.level, u.name, u.id))
    return {label(u): u.id for u in ranked}


def picker(users, levels: tuple[str, ...] | None = None, env: Mapping[str, str] | None = None):
    """The demo "signed in as" dropdown (a ``mo.ui.dropdown``) — or None in deployed mode, where
    identity comes from the request and no picker is ever shown."""
    if mode(env) != "demo":
        return None
    import marimo as mo

    options = user_options(users, levels)
    first = next(iter(options), None)
    preset = _settings(env).demo_user
    value = next((k for k, v in options.items() if v == preset), first)
    return mo.ui.dropdown(options=options, value=value, label="DEMO · signed in as", searchable=True)


def signed_in(picker_element=None, env: Mapping[str, str] | None = None) -> Identity:
    """:func:`current` with the demo picker element (or None, in deployed mode)."""
    picked = getattr(picker_element, "value", None) if picker_element is not None else None
    if env is not None:
        return resolve(env, None, picked)
    return current(picked)


@dataclass(frozen=True)
class SignIn:
    """Who is using a notebook, as the notebook's first cell needs it: the store's user and the rows
    of data they may read (:func:`certlib.domain.scope.data_scope`), or why the notebook must stop
    (markdown and callout kind) — then ``user`` is None and ``scope`` reads nothing."""

    user: Any | None
    banner: str
    stop_message: str = ""
    stop_kind: str = "warn"
    scope: DataScope = DataScope(False)


def _shown(user_id: str) -> str:
    """A user id as it may appear in a page: inline code, without backticks or line breaks."""
    return "`" + " ".join(user_id.replace("`", "'").split())[:80] + "`"


def sign_in(picker_element, store, env: Mapping[str, str] | None = None, app: str | None = None) -> SignIn:
    """Resolve the identity (picker in demo mode, header or request user when deployed) to a user of
    the store, then check that this user may open ``app`` (:data:`certlib.domain.scope.APP_ACCESS`).

    Nobody identified → *Not signed in*; an id the store does not know → *Unknown user*; a user the
    app is not for → *Not available*. In each case the notebook stops and shows nothing else.
    """
    ident = signed_in(picker_element, env)
    if not ident.signed_in:
        return SignIn(None, ident.banner(), f"{ident.banner()}. Nothing is shown until you sign in.", "warn")
    try:
        user = store.user(ident.user_id)
    except NotFound:  # the store's message would echo the raw id: say it once, sanitised
        return SignIn(None, ident.banner(), f"**Unknown user** {_shown(str(ident.user_id))}: this workspace "
                      "has no such user, so nothing is shown.", "danger")
    except CertlibError as err:
        return SignIn(None, ident.banner(), f"{ident.banner()}: {err}", "danger")
    why = app_refusal(user, app) if app else ""
    if why:
        return SignIn(None, ident.banner(user.name), f"**Not available to you** — {why}.", "danger")
    return SignIn(user, ident.banner(user.name), scope=data_scope(user))


def landing(store, env: Mapping[str, str] | None = None) -> SignIn:
    """The landing page's sign-in: in demo mode nobody needs to be picked yet (each app has its
    picker), so it never stops; a deployed landing page stops like any app (:func:`sign_in`)."""
    if _settings(env).mode == "demo":
        return SignIn(None, resolve(env, None, None).banner())
    return sign_in(None, store, env, app="home")


def not_signed_in(env: Mapping[str, str] | None = None, request: Any = None) -> str:
    """The *Not signed in* page (markdown) of a deployed app whose request names nobody, else "".

    Every app calls this first, before it opens the workspace, so an anonymous request reads
    nothing. ``request`` None reads the running app's request (``mo.app_meta().request``).
    """
    ident = resolve(env, request, None) if request is not None or env is not None else current(None)
    if ident.signed_in or ident.show_picker:
        return ""
    return f"{ident.banner()}. Nothing is shown until you sign in."


def deployment_note(env: Mapping[str, str] | None = None) -> str:
    """One markdown line describing this deployment, for the landing page."""
    s = _settings(env)
    ro = " **Read-only deployment:** every change is refused." if s.read_only else ""
    if s.mode == "demo":
        return ("**Demo mode** — not authenticated: each app has a clearly labelled *signed in as* picker "
                "of the demo scenario's users." + ro)
    header = s.auth_header
    how = f"the `{header}` header set by the auth proxy" if header else "the request's authenticated user"
    return f"Signed-in users are identified by {how}." + ro
