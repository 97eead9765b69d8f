"""The working set of one object move on disk: listings, digests, the manifest and what is verified, as tables of
a scratch SQLite database in the manifest's folder, so that a move's memory stays flat with its object count.

Each table is keyed by object path (WITHOUT ROWID: stored in path order, so an ORDER BY path reads the
B-tree in order, and a join of two listings looks each path up in the other's B-tree). SQLite's page cache is
bounded (CACHE_KIB); the rest lives in the file. The database is scratch: it is written without a journal
or fsync, created 0600 beside the manifest (object names are data) and deleted when the run ends. What
must survive a crash is in the manifest and the state file, both written from here, streaming.
"""
from __future__ import annotations

import fcntl
import glob
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hdhport.migrate.manifest import Entry
from hdhport.migrate.rclone import RcloneError, Relist, Walk

CACHE_KIB = 8192  # SQLite's page cache: what the tables may hold in memory at most
BATCH = 10_000  # objects handed at once to a hasher, rclone or a comparison


class LedgerError(RcloneError):
    """The scratch database failed (its disk is full...): the run fails as when rclone does, resumable."""


def _remove_unless_held(path: Path) -> None:
    """Remove a scratch database left by a run that died, never one a live run holds (its lock) nor one this user
    may not open (another user's, in a shared temporary folder)."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # held: a run is using it
    else:
        path.unlink(missing_ok=True)
    finally:
        os.close(descriptor)


class Ledger:
    """Tables of (path, size) listings and (path, size, sha256) entries; every call is serialised by a lock,
    so the read-back's threads may record what they confirm."""

    def __init__(self, folder: Path, name: str) -> None:
        # A run killed outright (SIGKILL, power loss) leaves its scratch database behind: nothing in it is
        # needed (the manifest and the state file are the record), so the next run on this manifest removes it.
        # Only a database no live run holds: each run keeps an exclusive lock on its own for as long as it lives
        # (a concurrent verify of the same manifest keeps its file), and only this manifest's, by exact shape.
        own = re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]+\.work\.db")  # mkstemp's letters, no dot
        for stale in folder.glob(f".{glob.escape(name)}.*.work.db"):
            if own.fullmatch(stale.name):
                _remove_unless_held(stale)
        descriptor, path = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".work.db")
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a file of our own, just made: never contended
        self.held = descriptor
        self.path = Path(path)
        self.lock = threading.RLock()
        try:
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            # The rollback journal in memory, not off: a full disk mid-batch must be undone (with the journal off,
            # SQLite leaves ROLLBACK undefined); still no fsync, the file is scratch.
            for pragma in ("journal_mode=MEMORY", "synchronous=OFF", f"cache_size=-{CACHE_KIB}", "temp_store=FILE"):
                self.db.execute(f"PRAGMA {pragma}")
        except sqlite3.Error as exc:
            self.path.unlink(missing_ok=True)
            os.close(self.held)
            raise LedgerError(f"the scratch database {path!r} failed: {exc}") from None

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """The lock held; an SQLite error (a full disk, most likely) as a LedgerError, the transaction undone."""
        with self.lock:
            try:
                yield
            except BaseException as exc:
                # Whatever stopped the batch (a full disk, a value SQLite cannot store, Ctrl-C), none of it stays
                # half-applied, and the next statement does not meet a transaction still open.
                if self.db.in_transaction:
                    self.db.rollback()
                if isinstance(exc, sqlite3.Error):
                    raise LedgerError(f"the scratch database {str(self.path)!r} failed: {exc}") from None
                raise

    def close(self) -> None:
        with self.lock:
            self.db.close()
        self.path.unlink(missing_ok=True)
        os.close(self.held)

    # ------------------------------------------------------------------ tables

    def listing(self, table: str) -> None:
        """An empty (path, size) table, replacing any of that name."""
        with self._guarded():
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
            self.db.execute(f"CREATE TABLE {table} (path TEXT PRIMARY KEY, size INTEGER NOT NULL) WITHOUT ROWID")

    def entries(self, table: str) -> None:
        """An empty (path, size, sha256) table, replacing any of that name; sha256 NULL: absent when read."""
        with self._guarded():
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
            self.db.execute(f"CREATE TABLE {table} (path TEXT PRIMARY KEY, size INTEGER, sha256 TEXT) WITHOUT ROWID")

    def names(self, table: str) -> None:
        with self._guarded():
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
            self.db.execute(f"CREATE TABLE {table} (path TEXT PRIMARY KEY) WITHOUT ROWID")

    def load(self, table: str, walk: Walk, again: Any = None) -> bool:
        """`walk` streamed into a new listing table; `again()`: the walk to take when a local one must be done
        by rclone (Relist). Whether the path exists."""
        self.listing(table)
        try:
            self.insert(table, walk, replace=True)
        except Relist:
            self.listing(table)
            walk = again()
            self.insert(table, walk, replace=True)
        return walk.exists

    def insert(self, table: str, rows: Iterable[tuple[Any, ...]], *, replace: bool = False) -> None:
        rows = iter(rows)
        while True:
            chunk = [row for _, row in zip(range(BATCH), rows)]
            if not chunk:
                return
            marks = ",".join("?" * len(chunk[0]))
            with self._guarded():
                self.db.execute("BEGIN")
                self.db.executemany(f"INSERT {'OR REPLACE ' if replace else ''}INTO {table} VALUES ({marks})", chunk)
                self.db.execute("COMMIT")

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> None:
        with self._guarded():
            self.db.execute(sql, tuple(parameters))

    def add(self, table: str, name: str) -> bool:
        """`name` added to the names table `table`: False when it was there already."""
        with self._guarded():
            return bool(self.db.execute(f"INSERT OR IGNORE INTO {table} VALUES (?)", (name,)).rowcount)

    def one(self, sql: str, parameters: Iterable[Any] = ()) -> Any:
        """The first column of the first row (None when there is none)."""
        with self._guarded():
            row = self.db.execute(sql, tuple(parameters)).fetchone()
        return None if row is None else row[0]

    def row(self, sql: str, parameters: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        with self._guarded():
            found: tuple[Any, ...] | None = self.db.execute(sql, tuple(parameters)).fetchone()
        return found

    def count(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        return int(self.one(f"SELECT count(*) FROM ({sql})", parameters) or 0)

    def first(self, sql: str, parameters: Iterable[Any] = (), limit: int = 1) -> list[str]:
        """The first `limit` values of the first column of `sql`, which orders its rows."""
        with self._guarded():
            return [str(r[0]) for r in self.db.execute(f"{sql} LIMIT {int(limit)}", tuple(parameters))]

    def rows(self, sql: str, parameters: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of `sql`, whose first column is the path and which orders by it, read BATCH at a time by
        path (keyset): no cursor stays open while the caller writes other tables."""
        after = ""  # below every object path: none is empty
        query = f"SELECT * FROM ({sql}) WHERE path > ? ORDER BY path LIMIT {BATCH}"
        while True:
            with self._guarded():
                chunk = self.db.execute(query, (*tuple(parameters), after)).fetchall()
            if not chunk:
                return
            yield from chunk
            after = chunk[-1][0]

    def batches(self, sql: str, parameters: Iterable[Any] = ()) -> Iterator[list[tuple[Any, ...]]]:
        """`rows` in lists of at most BATCH."""
        chunk: list[tuple[Any, ...]] = []
        for row in self.rows(sql, parameters):
            chunk.append(row)
            if len(chunk) >= BATCH:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def entry_rows(self, table: str) -> Iterator[Entry]:
        for path, size, sha256 in self.rows(f"SELECT path, size, sha256 FROM {table}"):
            yield Entry(path, size, sha256)

    def entry(self, table: str, path: str) -> Entry | None:
        found = self.row(f"SELECT path, size, sha256 FROM {table} WHERE path = ?", (path,))
        return None if found is None else Entry(*found)


class Names:
    """The paths of a query, read again from the database each time they are iterated (rclone's --files-from
    is written from them streaming), with their count."""

    def __init__(self, ledger: Ledger, sql: str, count: int) -> None:
        self.ledger, self.sql, self.count = ledger, sql, count

    def __iter__(self) -> Iterator[str]:
        for row in self.ledger.rows(self.sql):
            yield str(row[0])

    def __len__(self) -> int:
        return self.count
