"""A throwaway PostgreSQL cluster for the tests: initdb into a temp dir, pg_ctl on a free local port.

Why: the store must be proven on a real server, not a mock. One cluster per test session (started on
first use, stopped at exit); each test gets a fresh database. As root, the server runs as the
``postgres`` system user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

_LOCK = threading.Lock()
_CLUSTER: PgCluster | None = None


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (.ci/run installs Debian's postgresql)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """initdb + pg_ctl start; :meth:`new_database` hands out empty databases as SQLAlchemy URLs."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="certlib-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.user = "certlib"
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            owner = "postgres" if _has_user("postgres") else "nobody"
            pw = pwd.getpwnam(owner)
            os.chmod(self.dir, 0o755)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._run_as = ["runuser", "-u", owner, "--"]
        self._cmd([_bin("initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync"])
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._cmd(
            [
                _bin("pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.dir / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self.admin_url = self.url("postgres")

    def _cmd(self, argv: list[str]) -> None:
        done = subprocess.run(self._run_as + argv, capture_output=True, text=True, cwd=self.dir)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv[:2])} failed: {done.stderr or done.stdout}")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True
        ) as con:
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                self._run_as + [_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                cwd=self.dir,
            )
        shutil.rmtree(self.dir, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def cluster() -> PgCluster:
    """The session's cluster, started on first use and stopped when the interpreter exits."""
    global _CLUSTER
    with _LOCK:
        if _CLUSTER is None:
            _CLUSTER = PgCluster()
            atexit.register(_CLUSTER.stop)
        return _CLUSTER


def stop_cluster() -> None:
    global _CLUSTER
    with _LOCK:
        if _CLUSTER is not None:
            _CLUSTER.stop()
            _CLUSTER = None
