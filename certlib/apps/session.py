"""Who is using an app, as a marimo notebook needs it: the request's identity (or the demo picker),
the workspace opened, the store's user and their data scope — or the page that says why not.

:mod:`certlib.identity` resolves an identity purely from the settings and a request; this module is
its marimo edge: it reads ``mo.app_meta().request``, builds the demo picker widget, opens the
workspace and looks the user up in the store. Which app a user may open and which rows they read is
decided in :mod:`certlib.domain.scope` (``APP_ACCESS``, ``data_scope``).

Every app calls, in this order: :func:`not_signed_in` (a deployed request naming nobody stops here,
before the workspace is opened), :func:`open_workspace`, :func:`picker` (demo mode only), then
:func:`sign_in` with the app's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from certlib.config import settings
from certlib.domain.scope import DataScope, app_refusal, data_scope
from certlib.errors import CertlibError, NotFound, ReadOnlyError
from certlib.identity import Identity, can_save_rules, deployment_note, mode, resolve


def current(picked: str | None = None) -> Identity:
    """:func:`resolve` for the running marimo app (reads ``mo.app_meta().request``)."""
    request = None
    try:
        import marimo as mo

        request = mo.app_meta().request
    except Exception:  # outside a marimo runtime there is no request
        request = None
    return resolve(None, request, picked)


WORKSPACE_ENV = "CERTLIB_WORKSPACE"


def workspace_dir(env: Mapping[str, str] | None = None) -> str:
    """The workspace directory of this deployment: ``CERTLIB_WORKSPACE`` or ``./workspace``."""
    return str(settings(env).workspace.absolute())


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
        return None, (
            f"the workspace at `{path}` needs its database upgraded ({err}). Open it once from a "
            f"writable deployment, e.g. `certlib --workspace {path} audit verify`."
        )
    except Exception as err:  # a CertlibError or a missing directory: say what to do
        return None, _no_workspace(path, err)
    try:
        ws.start()
    except CertlibError as err:
        ws.close()
        return None, f"the workspace at `{path}` opened but could not start ({err}); try again in a moment."
    return ws, None


def _no_workspace(path: str, err: Exception) -> str:
    return (
        f"no usable workspace at `{path}` ({err}). Create the demo workspace with "
        f"`certlib demo init --workspace {path}` or run `make run`."
    )


def user_options(users, levels: tuple[str, ...] | None = None) -> dict[str, str]:
    """Options for the demo "signed in as" picker: ``"Name · level district/school (id)" -> id``,
    users of ``levels`` first (in that order), then the rest."""

    def label(u) -> str:
        where = " ".join(x for x in (u.district_number, u.school_code) if x)
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
    preset = settings(env).demo_user
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
        return SignIn(
            None,
            ident.banner(),
            f"**Unknown user** {_shown(str(ident.user_id))}: this workspace has no such user, so nothing is shown.",
            "danger",
        )
    except CertlibError as err:
        return SignIn(None, ident.banner(), f"{ident.banner()}: {err}", "danger")
    why = app_refusal(user, app) if app else ""
    if why:
        return SignIn(None, ident.banner(user.name), f"**Not available to you** — {why}.", "danger")
    return SignIn(user, ident.banner(user.name), scope=data_scope(user))


def landing(store, env: Mapping[str, str] | None = None) -> SignIn:
    """The landing page's sign-in: in demo mode nobody needs to be picked yet (each app has its
    picker), so it never stops and has no banner of its own (the deployment note says "Demo mode"); a
    deployed landing page stops like any app (:func:`sign_in`)."""
    if settings(env).mode == "demo":
        return SignIn(None, "")
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


__all__ = [
    "SignIn",
    "can_save_rules",
    "current",
    "deployment_note",
    "landing",
    "mode",
    "not_signed_in",
    "open_workspace",
    "picker",
    "sign_in",
    "signed_in",
    "user_options",
    "workspace_dir",
]
