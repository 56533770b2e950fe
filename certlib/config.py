"""The configuration of a deployment: every ``CERTLIB_*`` variable parsed in one place, and the clock.

Why: settings read ad hoc in a dozen modules drift apart (two rules for a bare date, three spellings
of "true", a default pack that exists only in a checkout). Here each variable is parsed once, by one
rule, into a frozen :class:`Settings`; the rest of certlib asks :func:`settings` (which reads
``os.environ``, the only place that does) or takes a ``Settings`` it is handed. Nothing else reads
the wall clock either: :meth:`Settings.clock` is "now" for the workflow (pinned by ``CERTLIB_NOW`` in
demos and tests), :func:`wall_time` the real time for what must never follow a pinned clock (job
heartbeats, migration stamps).

=========================  =============================================================================
variable                   meaning
=========================  =============================================================================
CERTLIB_WORKSPACE          the workspace directory (default ``./workspace``)
CERTLIB_DATABASE_URL       the workflow store on a database server (``postgresql://...``) instead of
                           ``<workspace>/certlib.db``
CERTLIB_READ_ONLY          ``1``/``true``/``yes``/``on``: every mutation is refused
CERTLIB_NOW                pin the clock: an ISO datetime, or a bare date meaning that day at 00:00
CERTLIB_RULES              the rule pack directory (default: the pack installed with certlib)
CERTLIB_STATE_DATA         the state's copy of the data the wizard validates: a directory or a
                           ``postgresql://`` URL (default ``<workspace>/data/state``)
CERTLIB_DISTRICT_DATA      each district's copy: a directory or URL where ``{district}`` stands for the
                           district number (default ``<workspace>/data/districts/{district}``)
CERTLIB_ENGINE             ``polars`` (default) or ``spark``
CERTLIB_SPARK_MASTER       Spark master URL (default ``local[2]``); ``SPARK_REMOTE`` selects Spark Connect
CERTLIB_SPARK_PARALLEL     Spark rules in flight at once (default 4)
CERTLIB_AUTH_HEADER        take the user id from this trusted request header (deployed mode)
CERTLIB_IDENTITY           ``request``: take the user from the ASGI request (deployed mode)
CERTLIB_DEMO_USER          preselect this user in the demo's "signed in as" picker
CERTLIB_LOG_LEVEL          ``DEBUG``/``INFO`` (default)/``WARNING``/``ERROR``
CERTLIB_RUN_TIMEOUT        seconds a run of rules or a rule-lab query may take (default 600; 0 = no bound)
CERTLIB_RUN_MEMORY         megabytes of memory that run may use (default 8192; 0 = no bound)
CERTLIB_RUN_MAX_ROWS       rows one rule's result may reach before it is stopped (default 10000000; 0 = none)
CERTLIB_SMTP_URL           send alerts by email through this server: ``smtp://[user:password@]host[:port]``
                           (``?starttls=1`` upgrades the connection) or ``smtps://...``; unset: no email
CERTLIB_SMTP_SENDER        the From address of those emails (default ``certlib@localhost``)
CERTLIB_ATTESTATION        the statement a certifier attests to on submit (default:
                           :data:`DEFAULT_ATTESTATION`); recorded with each submission
CERTLIB_AUDIT_KEY_FILE     a file holding the audit log's secret key (kept outside the database): every
                           audit row then carries an HMAC of the chain, so a rewrite that recomputes every
                           hash is detected; without a key the chain is unkeyed (``audit verify`` says so)
CERTLIB_AUDIT_KEY          the same secret given inline (prefer the file; at least 16 bytes either way)
CERTLIB_ADMINS             OS accounts (comma list) trusted with the CLI's ``--as``/``--now`` (and
                           ``CERTLIB_NOW``) in a deployed certlib; in demo mode everyone is
CERTLIB_AUDIT_ANCHOR       a file (outside the store) to which every write appends the audit head
                           (rows, hash); ``certlib audit verify --anchor FILE`` checks the chain against it
=========================  =============================================================================

>>> s = Settings.from_env({"CERTLIB_NOW": "2025-07-01", "CERTLIB_READ_ONLY": "Yes", "CERTLIB_WORKSPACE": "/srv/ws"})
>>> s.clock(), s.read_only, s.workspace, s.mode
(datetime.datetime(2025, 7, 1, 0, 0), True, PosixPath('/srv/ws'), 'demo')
>>> Settings.from_env({"CERTLIB_NOW": "July 1st"})
Traceback (most recent call last):
certlib.errors.ConfigError: CERTLIB_NOW='July 1st' is not an ISO date or datetime (e.g. 2025-07-01 or 2025-07-01T10:00:00)
"""

from __future__ import annotations

import importlib.resources
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from certlib.errors import ConfigError

ENGINES = ("polars", "spark")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
#: every variable :meth:`Settings.from_env` reads
KNOWN = (
    "CERTLIB_WORKSPACE",
    "CERTLIB_DATABASE_URL",
    "CERTLIB_READ_ONLY",
    "CERTLIB_NOW",
    "CERTLIB_RULES",
    "CERTLIB_STATE_DATA",
    "CERTLIB_DISTRICT_DATA",
    "CERTLIB_ENGINE",
    "CERTLIB_SPARK_MASTER",
    "CERTLIB_SPARK_PARALLEL",
    "CERTLIB_AUTH_HEADER",
    "CERTLIB_IDENTITY",
    "CERTLIB_DEMO_USER",
    "CERTLIB_LOG_LEVEL",
    "CERTLIB_RUN_TIMEOUT",
    "CERTLIB_RUN_MEMORY",
    "CERTLIB_RUN_MAX_ROWS",
    "CERTLIB_ATTESTATION",
    "CERTLIB_SMTP_URL",
    "CERTLIB_SMTP_SENDER",
    "CERTLIB_AUDIT_KEY",
    "CERTLIB_AUDIT_KEY_FILE",
    "CERTLIB_AUDIT_ANCHOR",
    "CERTLIB_ADMINS",
    "SPARK_REMOTE",
)
#: the shortest audit key accepted (bytes)
MIN_AUDIT_KEY = 16
#: what a certifier attests to on submit unless CERTLIB_ATTESTATION says otherwise
DEFAULT_ATTESTATION = (
    "I certify that, to the best of my knowledge, the data of this submission is complete and "
    "accurate, and that the findings left in it are explained or excepted by the state."
)
#: CERTLIB_* names that belong to the tooling around certlib, not to a deployment
_TOOLING = ("CERTLIB_CHROMIUM", "CERTLIB_DEPS_DRY_RUN", "CERTLIB_DEPS_ASSUME_MISSING")

Mode = Literal["demo", "deployed"]


def package_data(name: str) -> Path:
    """A directory shipped with certlib: ``rules`` (the default rule pack) or ``sample_data`` (the demo).

    A built wheel carries them as package data in ``certlib/_data/`` (setup.py copies them there);
    a checkout or an editable install reads the repository's top-level directories.
    """
    packaged = importlib.resources.files("certlib") / "_data" / name
    if packaged.is_dir():
        if not isinstance(packaged, Path):  # pragma: no cover - certlib imported from a zip archive
            raise ConfigError(f"certlib's {name}/ is inside an archive; install certlib as files (pip install)")
        return packaged
    return Path(__file__).resolve().parents[1] / name


def wall_time(tz: object = None) -> datetime:
    """The real time (``tz=UTC`` for an aware one): only for what must not follow a pinned clock."""
    return datetime.now(tz)  # type: ignore[arg-type]


class RealTime(datetime):
    """A "now" read from the real clock by :meth:`Settings.clock` (nothing else makes one): the audit
    log records every other time (``--now``, ``CERTLIB_NOW``, a time a caller passed) as supplied,
    beside the real time of the write."""

    @classmethod
    def now_local(cls) -> RealTime:
        t = wall_time()
        return cls(t.year, t.month, t.day, t.hour, t.minute, t.second)


def parse_time(raw: str, name: str = "CERTLIB_NOW") -> datetime:
    """The one rule for a point in time given as text: an ISO datetime, or a bare ISO date meaning that
    day at 00:00; local time (an offset is refused rather than silently dropped)."""
    text = raw.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not an ISO date or datetime (e.g. 2025-07-01 or 2025-07-01T10:00:00)"
        ) from None
    if value.tzinfo is not None:
        raise ConfigError(f"{name}={raw!r} carries a UTC offset; give the local time without one")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name}={env[name]!r} is not a yes/no value (use 1/true/yes/on or 0/false/no/off)")


def _bound(env: Mapping[str, str], name: str, default: int) -> int | None:
    """A positive whole number; ``0`` (or ``off``/``none``) turns the bound off."""
    raw = _text(env, name)
    if raw is None:
        return default
    if raw.lower() in ("0", "off", "none"):
        return None
    if not raw.isdigit() or len(raw) > 15:
        raise ConfigError(f"{name}={env[name]!r} is not a whole number (0 turns the bound off)")
    return int(raw)


def _text(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _smtp_url(env: Mapping[str, str]) -> str | None:
    url = _text(env, "CERTLIB_SMTP_URL")
    if url and not (url.startswith("smtp://") or url.startswith("smtps://")):
        raise ConfigError(f"CERTLIB_SMTP_URL={url!r} is not an smtp:// or smtps:// URL")
    return url


def _audit_key(env: Mapping[str, str]) -> bytes | None:
    """The audit key from ``CERTLIB_AUDIT_KEY_FILE`` (its bytes, surrounding whitespace dropped) or
    ``CERTLIB_AUDIT_KEY``; both set, an unreadable file or a key shorter than 16 bytes is refused."""
    inline, path = env.get("CERTLIB_AUDIT_KEY", "").strip(), _text(env, "CERTLIB_AUDIT_KEY_FILE")
    if inline and path:
        raise ConfigError("CERTLIB_AUDIT_KEY and CERTLIB_AUDIT_KEY_FILE are both set: keep one (the file)")
    if path:
        try:
            key = Path(path).read_bytes().strip()
        except OSError as err:
            raise ConfigError(f"CERTLIB_AUDIT_KEY_FILE={path!r} cannot be read ({err.strerror})") from None
        name = f"CERTLIB_AUDIT_KEY_FILE={path!r}"
    elif inline:
        key, name = inline.encode("utf-8"), "CERTLIB_AUDIT_KEY"
    else:
        return None
    if len(key) < MIN_AUDIT_KEY:
        raise ConfigError(
            f"{name}: the audit key is {len(key)} bytes; use at least {MIN_AUDIT_KEY} random bytes "
            "(e.g. `openssl rand -hex 32`)"
        )
    return key


@dataclass(frozen=True)
class Settings:
    """One deployment's settings (see the module docstring for the variables)."""

    workspace: Path = Path("workspace")
    database_url: str | None = None
    read_only: bool = False
    now: datetime | None = None
    rules: Path = field(default_factory=lambda: package_data("rules"))
    engine: str = "polars"
    spark_master: str | None = None
    spark_remote: str | None = None
    spark_parallel: int = 4
    auth_header: str | None = None
    identity: str | None = None
    demo_user: str | None = None
    log_level: str = "INFO"
    run_timeout: float | None = 600.0  # seconds; None = unbounded (see certlib.engine.bounds)
    run_memory_mb: int | None = 8192
    run_max_rows: int | None = 10_000_000
    state_data: str | None = None  # a directory or postgresql:// URL; None: <workspace>/data/state
    district_data: str | None = None  # the same with {district}; None: <workspace>/data/districts/{district}
    attestation: str = DEFAULT_ATTESTATION
    smtp_url: str | None = None
    smtp_sender: str = "certlib@localhost"
    audit_key: bytes | None = field(default=None, repr=False)  # never printed
    audit_anchor: Path | None = None
    admins: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # CERTLIB_* names set but not known (a typo, say): logged at start

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Parse ``env`` (a mapping such as ``os.environ``); a bad value raises :class:`ConfigError`
        naming the variable."""
        engine = (_text(env, "CERTLIB_ENGINE") or "polars").lower()
        if engine not in ENGINES:
            raise ConfigError(f"CERTLIB_ENGINE={env['CERTLIB_ENGINE']!r} is not one of {', '.join(ENGINES)}")
        parallel_raw = _text(env, "CERTLIB_SPARK_PARALLEL") or "4"
        if not parallel_raw.isdigit() or int(parallel_raw) < 1:
            raise ConfigError(f"CERTLIB_SPARK_PARALLEL={parallel_raw!r} is not a positive whole number")
        level = (_text(env, "CERTLIB_LOG_LEVEL") or "INFO").upper()
        if level not in LOG_LEVELS:
            raise ConfigError(f"CERTLIB_LOG_LEVEL={env['CERTLIB_LOG_LEVEL']!r} is not one of {', '.join(LOG_LEVELS)}")
        identity = (_text(env, "CERTLIB_IDENTITY") or "").lower() or None
        if identity not in (None, "request"):
            raise ConfigError(f"CERTLIB_IDENTITY={env['CERTLIB_IDENTITY']!r}: the only value is 'request'")
        now = _text(env, "CERTLIB_NOW")
        rules = _text(env, "CERTLIB_RULES")
        return cls(
            workspace=Path(_text(env, "CERTLIB_WORKSPACE") or "workspace"),
            database_url=_text(env, "CERTLIB_DATABASE_URL"),
            read_only=_flag(env, "CERTLIB_READ_ONLY"),
            now=parse_time(now) if now else None,
            rules=Path(rules) if rules else package_data("rules"),
            engine=engine,
            spark_master=_text(env, "CERTLIB_SPARK_MASTER"),
            spark_remote=_text(env, "SPARK_REMOTE"),
            spark_parallel=int(parallel_raw),
            auth_header=_text(env, "CERTLIB_AUTH_HEADER"),
            identity=identity,
            demo_user=_text(env, "CERTLIB_DEMO_USER"),
            log_level=level,
            run_timeout=_bound(env, "CERTLIB_RUN_TIMEOUT", 600),
            run_memory_mb=_bound(env, "CERTLIB_RUN_MEMORY", 8192),
            run_max_rows=_bound(env, "CERTLIB_RUN_MAX_ROWS", 10_000_000),
            state_data=_text(env, "CERTLIB_STATE_DATA"),
            district_data=_text(env, "CERTLIB_DISTRICT_DATA"),
            attestation=_text(env, "CERTLIB_ATTESTATION") or DEFAULT_ATTESTATION,
            smtp_url=_smtp_url(env),
            smtp_sender=_text(env, "CERTLIB_SMTP_SENDER") or "certlib@localhost",
            audit_key=_audit_key(env),
            audit_anchor=Path(anchor) if (anchor := _text(env, "CERTLIB_AUDIT_ANCHOR")) else None,
            admins=tuple(sorted({a.strip() for a in env.get("CERTLIB_ADMINS", "").split(",") if a.strip()})),
            unknown=tuple(sorted(k for k in env if k.startswith("CERTLIB_") and k not in KNOWN and k not in _TOOLING)),
        )

    def clock(self, at: datetime | None = None) -> datetime:
        """ "Now" for the workflow: ``at`` when given, else the pinned ``CERTLIB_NOW``, else the real
        local time to the second."""
        if at is not None:
            return at
        return self.now if self.now is not None else RealTime.now_local()

    @property
    def mode(self) -> Mode:
        """``"deployed"`` when an auth header or request identity is configured, else ``"demo"``."""
        return "deployed" if self.auth_header or self.identity == "request" else "demo"


def settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings of this process: ``env``, else the process environment, parsed now (cheap; tests
    and embedders that change the environment see the change)."""
    return Settings.from_env(os.environ if env is None else env)


#: the one log format of certlib (CLI, worker, apps)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is at the time of each record (test runners and
    notebooks swap it)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure_logging(s: Settings | None = None) -> logging.Logger:
    """Send the ``certlib`` loggers to stderr in :data:`LOG_FORMAT` at ``CERTLIB_LOG_LEVEL``; once per
    process (the CLI's entry point and an app's start call it; later calls change nothing). Records
    still propagate, so an embedding application's own handlers see them too."""
    logger = logging.getLogger("certlib")
    if any(getattr(h, "certlib", False) for h in logger.handlers):
        return logger
    s = s or settings()
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.certlib = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(s.log_level)
    for name in s.unknown:
        logger.warning("%s is set but certlib has no such setting (known: %s)", name, ", ".join(KNOWN))
    return logger


def now(at: datetime | None = None) -> datetime:
    """Shorthand for ``settings().clock(at)``."""
    return settings().clock(at)


__all__ = [
    "KNOWN",
    "LOG_FORMAT",
    "RealTime",
    "Settings",
    "configure_logging",
    "package_data",
    "parse_time",
    "settings",
    "now",
    "wall_time",
]
