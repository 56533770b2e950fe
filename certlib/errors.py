"""The one error hierarchy of certlib.

Every error a user can cause derives from :class:`CertlibError`; the CLI turns any of them into a
message on stderr and exit code 1, the notebooks show ``str(err)``.
"""

from __future__ import annotations


class CertlibError(Exception):
    """Base of every error certlib raises on purpose."""


class Refused(CertlibError):
    """An action was refused by the status machine or the permission table.

    The message names the action, the actor, the current status and the missing right or failed guard
    (the technical form, for the audit and the log); ``says`` is the sentence for people that the apps
    show (the guard's sentence when ``reason`` carries one, see :class:`certlib.domain.guards.Why`).
    """

    def __init__(self, action: str, actor: str, status: str | None, reason: str, says: str | None = None):
        self.action = action
        self.actor = actor
        self.status = status
        self.reason = reason
        sentence = says or getattr(reason, "says", None)
        self.says = sentence if isinstance(sentence, str) and sentence else reason
        where = f" (status: {status})" if status else ""
        super().__init__(f"{action} refused for {actor}{where}: {reason}")


class NotFound(CertlibError):
    """An id that does not exist (event, unit, user, rule, job, snapshot...)."""


class ReadOnlyError(Refused):
    """A mutation was attempted in a read-only deployment (CERTLIB_READ_ONLY=1)."""

    def __init__(self, action: str, actor: str = "anyone"):
        super().__init__(
            action,
            actor,
            None,
            "this deployment is read-only (CERTLIB_READ_ONLY=1)",
            says="This server is read-only: changes are switched off here.",
        )


class StoreError(CertlibError):
    """The workflow store cannot be opened, migrated or written."""


class AuditChainError(StoreError):
    """The audit chain does not verify; names the first bad row."""


class RuleError(CertlibError):
    """A rule or rule pack is broken. Carries the diagnostics (file, line, col, message, hint)."""

    def __init__(self, message: str, diagnostics: list | None = None):
        self.diagnostics = list(diagnostics or [])
        super().__init__(message)


class DataError(CertlibError):
    """A data file is missing or bad; the message names the file and the column."""


class LimitExceeded(CertlibError):
    """A run crossed a bound (time, memory, result rows) or was stopped; the message names what was
    running, the bound and the setting that sets it (see :mod:`certlib.engine.bounds`)."""

    def __init__(self, message: str, label: str = "", bound: str = ""):
        self.label = label
        self.bound = bound  # "time", "memory", "rows" or "stopped"
        super().__init__(message)

    def __reduce__(self):  # pickles across the bounded worker's pipe
        return (type(self), (str(self), self.label, self.bound))


class JobError(CertlibError):
    """A queued job failed; the message says why."""


class SnapshotError(CertlibError):
    """A snapshot is missing, incomplete or fails verification."""


class ConfigError(CertlibError):
    """A deployment setting (a ``CERTLIB_*`` variable) has a value certlib cannot use; names it."""
