"""A real PostgreSQL 15 cluster (Debian's /usr/lib/postgresql/15/bin), one per instance, on 127.0.0.1.

PostgreSQL refuses to run as root. When the tests run as root (here and in CI), the cluster's directory
is created under /tmp (pytest's own temporary root is private to root) and given to `nobody`, and
initdb and postgres run through `runuser -u nobody`. Authentication is scram-sha-256 with a random
password, never `trust`, although only 127.0.0.1 is listened on.
"""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from servers.process import LOOPBACK, Process, ServerError, free_port, wait_until

BIN = Path(os.environ.get("HDHPORT_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "hdh"


def missing_binaries() -> list[str]:
    return [str(BIN / b) for b in ("initdb", "postgres", "pg_isready") if not (BIN / b).exists()]


class Postgres:
    def __init__(self, name: str) -> None:
        self.name = name
        self.root = Path(tempfile.mkdtemp(prefix=f"hdhport-pg-{name}-", dir="/tmp"))
        self.port = free_port()
        self.password = secrets.token_urlsafe(18)
        self.process: Process | None = None
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]
            self._owner: tuple[int, int] | None = (nobody.pw_uid, nobody.pw_gid)
        else:
            self._owner = None

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string; the password travels in PGPASSWORD (see `client_env`), not here."""
        return f"host={LOOPBACK} port={self.port} user={SUPERUSER} dbname={database}"

    def client_env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "10"}

    def start(self, timeout: float = 60) -> float:
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        if self._owner:
            os.chown(pwfile, *self._owner)
        pwfile.chmod(0o600)
        done = subprocess.run([*self.as_user, str(BIN / "initdb"), "-D", str(self.root / "data"), "-U", SUPERUSER,
                               f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8", "--no-locale"],
                              capture_output=True, text=True, check=False)
        pwfile.unlink()
        if done.returncode != 0:
            raise ServerError(f"initdb ({self.name}) failed: {done.stdout}{done.stderr}")
        log = self.root / "postgres.log"
        log.touch()
        if self._owner:
            os.chown(log, *self._owner)
        # fsync off: a throwaway test cluster, where durability across a power cut is irrelevant.
        self.process = Process(f"postgres-{self.name}", [
            *self.as_user, str(BIN / "postgres"), "-D", str(self.root / "data"), "-c", f"port={self.port}",
            "-c", f"listen_addresses={LOOPBACK}", "-c", f"unix_socket_directories={self.root}", "-c", "fsync=off"],
            log, stop_signal=signal.SIGINT).start()  # SIGINT: PostgreSQL's fast shutdown
        return wait_until(self._ready, timeout, f"postgres {self.name} on port {self.port}", self.process)

    def _ready(self) -> bool:
        return subprocess.run([str(BIN / "pg_isready"), "-q", "-h", LOOPBACK, "-p", str(self.port)],
                              check=False).returncode == 0

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run([str(BIN / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                               self.dsn(database), "-c", sql], capture_output=True, text=True,
                              env=self.client_env(), check=False)
        if done.returncode != 0:
            raise ServerError(f"psql on {self.name} failed: {done.stderr}")
        return done.stdout.strip()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
        shutil.rmtree(self.root, ignore_errors=True)
