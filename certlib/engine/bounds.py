"""Bounds on a run: time, memory and result rows, so a runaway rule ends as an error, not a dead server.

Why: a self cross join grows until the allocator aborts the process, and a process that aborts takes
the CLI run, the job worker or the app server with it. Neither polars nor Python can take memory back
from a computation in flight, so the only bound that really holds is a process boundary:
:func:`run_bounded` calls a function in a child process (started from a fork server, so certlib and
polars are imported once) whose address space is capped (``RLIMIT_AS``) and which is killed when its
time is up. A worker that finished within its bounds stays warm for the next call; one that crossed a
bound is gone and the next call starts a fresh one. The caller gets the function's return value, or :class:`~certlib.errors.LimitExceeded`
naming what was running and the bound it crossed. :class:`BoundedCall` is the same thing held open, so
an app can stop a query on a user's request.

The bounds of a deployment come from :class:`certlib.config.Settings` (``0`` turns one off):

=========================  ======================================================================
CERTLIB_RUN_TIMEOUT        seconds one run of rules (or one rule-lab query) may take (default 600)
CERTLIB_RUN_MEMORY         megabytes of address space that run may use (default 8192)
CERTLIB_RUN_MAX_ROWS       rows one rule's result may have before it is stopped (default 10,000,000)
=========================  ======================================================================

>>> def square(x): return x * x
>>> run_bounded(square, 7, bounds=Bounds(seconds=30), label="rule R1")   # doctest: +SKIP
49
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certlib.errors import CertlibError, LimitExceeded

#: modules the fork server imports once, so each bounded call starts warm
_PRELOAD = ["certlib.engine.bounds", "polars", "certlib.engine.polars_engine"]
_CONTEXT_LOCK = threading.Lock()
_CONTEXT: Any = None


@dataclass(frozen=True)
class Bounds:
    """The bounds of one run; ``None`` means unbounded."""

    seconds: float | None = 600.0
    memory_mb: int | None = 8192
    rows: int | None = 10_000_000

    @classmethod
    def from_settings(cls, s: Any = None) -> Bounds:
        """The deployment's bounds (``CERTLIB_RUN_TIMEOUT`` / ``_MEMORY`` / ``_MAX_ROWS``)."""
        if s is None:
            from certlib.config import settings

            s = settings()
        return cls(seconds=s.run_timeout, memory_mb=s.run_memory_mb, rows=s.run_max_rows)

    @property
    def isolated(self) -> bool:
        """True when a process boundary is needed (a time or memory bound is set)."""
        return self.seconds is not None or self.memory_mb is not None

    def time_message(self, label: str) -> str:
        return f"{label} was stopped: it ran longer than the time bound of {self.seconds:g} s (CERTLIB_RUN_TIMEOUT)"

    def memory_message(self, label: str) -> str:
        return f"{label} was stopped: it needed more than the memory bound of {self.memory_mb} MB (CERTLIB_RUN_MEMORY)"

    def rows_message(self, label: str) -> str:
        return (
            f"{label} was stopped: its result has more than the row bound of {self.rows:,} rows "
            "(CERTLIB_RUN_MAX_ROWS); narrow the query (a join without its key?)"
        )


UNBOUNDED = Bounds(seconds=None, memory_mb=None, rows=None)


def _context() -> Any:
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            _CONTEXT = ctx
        return _CONTEXT


# ---- the worker side ----------------------------------------------------------------------------

_REPORT: Callable[[Any], None] | None = None


def report(message: Any) -> None:
    """From inside a bounded call: send ``message`` to the caller's ``on_message`` (no-op elsewhere)."""
    if _REPORT is not None:
        _REPORT(message)


def _worker(conn: multiprocessing.connection.Connection, memory_mb: int | None) -> None:
    """A bounded worker: its address space capped once, it runs one call after another until its pipe
    closes (a warm worker is reused; one that crossed a bound is killed and replaced)."""
    global _REPORT
    _quiet_native_stderr()
    if memory_mb is not None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _REPORT = lambda message: conn.send(("message", message))  # noqa: E731
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            value = fn(*args)
        except MemoryError:
            conn.send(("memory", None))
            return  # memory may be fragmented or held: this worker is not reused
        except CertlibError as err:
            conn.send(("raise", _portable(err)))
            continue
        except BaseException as err:  # noqa: BLE001 - the caller gets it as an error naming the call
            conn.send(("error", f"{type(err).__name__}: {err}"))
            continue
        try:
            conn.send(("ok", value))
        except MemoryError:
            conn.send(("memory", None))
            return


def _quiet_native_stderr() -> None:
    """Native code's dying words ("memory allocation of N bytes failed", a backtrace) go nowhere: the
    caller says what happened in one line. Python's own stderr (logging, warnings) still reaches the
    terminal through a copy of the descriptor."""
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stderr = os.fdopen(saved, "w", buffering=1)
    except OSError:  # pragma: no cover - no stderr at all
        pass


def _portable(err: CertlibError) -> CertlibError:
    """``err`` if it survives pickling (some subclasses take several constructor arguments), else a
    plain CertlibError with its message."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001
        return CertlibError(str(err))


# ---- the caller side ----------------------------------------------------------------------------

#: warm workers waiting for a call, by memory bound (a few at most: one per concurrent caller)
_IDLE: dict[int | None, list[tuple[Any, Any]]] = {}
_IDLE_MAX = 2


def _take_worker(memory_mb: int | None) -> tuple[Any, Any]:
    with _CONTEXT_LOCK:
        idle = _IDLE.get(memory_mb, [])
        while idle:
            process, conn = idle.pop()
            if process.is_alive():
                return process, conn
    ctx = _context()
    conn, child_conn = ctx.Pipe(duplex=True)
    process = ctx.Process(target=_worker, args=(child_conn, memory_mb), daemon=True, name="certlib-bounded")
    process.start()
    child_conn.close()
    return process, conn


def _give_back(memory_mb: int | None, process: Any, conn: Any) -> None:
    with _CONTEXT_LOCK:
        idle = _IDLE.setdefault(memory_mb, [])
        if len(idle) < _IDLE_MAX and process.is_alive():
            idle.append((process, conn))
            return
    conn.close()
    process.kill()
    process.join(5)


class BoundedCall:
    """``fn(*args)`` running in a bounded worker process; :meth:`result` waits for it, :meth:`stop`
    ends it (from any thread, e.g. a "stop" button)."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *args: Any,
        bounds: Bounds,
        label: str,
        on_message: Callable[[Any], None] | None = None,
    ):
        self.bounds, self.label, self.on_message = bounds, label, on_message
        self._stopped = threading.Event()
        self._done = False
        self._process, self._conn = _take_worker(bounds.memory_mb)
        self._started = time.monotonic()
        try:
            self._conn.send((fn, args))
        except Exception:
            self._discard()
            raise

    @property
    def running(self) -> bool:
        return not self._done and self._process.is_alive()

    def stop(self) -> None:
        """End the call now; :meth:`result` then raises :class:`LimitExceeded` saying it was stopped."""
        self._stopped.set()
        if not self._done and self._process.is_alive():
            self._process.kill()

    def _discard(self) -> None:
        self._done = True
        if self._process.is_alive():
            self._process.kill()
        self._process.join(5)
        self._conn.close()

    def result(self) -> Any:
        """The call's return value; raises what it raised (a CertlibError), or LimitExceeded."""
        try:
            value = self._wait()
        except BaseException:
            if not self._done:
                self._discard()
            raise
        return value

    def _finish(self) -> None:
        """The call ended normally: the warm worker goes back to the idle set."""
        self._done = True
        _give_back(self.bounds.memory_mb, self._process, self._conn)

    def _wait(self) -> Any:
        deadline = None if self.bounds.seconds is None else self._started + self.bounds.seconds
        while True:
            if self._stopped.is_set():
                raise LimitExceeded(f"{self.label} was stopped on request", self.label, "stopped")
            wait = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
            try:
                ready = self._conn.poll(wait)
            except (OSError, EOFError):
                ready = True
            if ready:
                try:
                    kind, payload = self._conn.recv()
                except (EOFError, OSError):
                    return self._died()
                if kind == "message":
                    if self.on_message is not None:
                        self.on_message(payload)
                    continue
                if kind == "memory":
                    raise LimitExceeded(self.bounds.memory_message(self.label), self.label, "memory")
                self._finish()
                if kind == "ok":
                    return payload
                if kind == "raise":
                    raise payload
                raise CertlibError(f"{self.label} failed: {payload}")
            if deadline is not None and time.monotonic() >= deadline:
                raise LimitExceeded(self.bounds.time_message(self.label), self.label, "time")

    def _died(self) -> Any:
        self._process.join(5)
        if self._stopped.is_set():
            raise LimitExceeded(f"{self.label} was stopped on request", self.label, "stopped")
        code = self._process.exitcode
        # an allocation failure aborts the process (SIGABRT/SIGSEGV under RLIMIT_AS); the kernel's OOM
        # killer sends SIGKILL: all of them mean the run needed more memory than it was given
        if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL, -signal.SIGBUS) and self.bounds.memory_mb:
            raise LimitExceeded(self.bounds.memory_message(self.label), self.label, "memory")
        raise CertlibError(f"{self.label} failed: its worker process ended unexpectedly (exit code {code})")


def run_bounded(
    fn: Callable[..., Any],
    *args: Any,
    bounds: Bounds | None = None,
    label: str = "the run",
    on_message: Callable[[Any], None] | None = None,
) -> Any:
    """``fn(*args)`` within ``bounds`` (default: the deployment's): in a child process when a time or
    memory bound is set, else right here. ``fn`` and its arguments must pickle (a module-level function).
    Raises :class:`LimitExceeded` naming ``label`` and the bound when one is crossed."""
    bounds = Bounds.from_settings() if bounds is None else bounds
    if not bounds.isolated:
        return fn(*args)
    return BoundedCall(fn, *args, bounds=bounds, label=label, on_message=on_message).result()


def in_bounded_child() -> bool:
    """True inside a bounded call (so nested runs do not start another process)."""
    return _REPORT is not None


__all__ = ["Bounds", "BoundedCall", "UNBOUNDED", "in_bounded_child", "report", "run_bounded"]
