"""`hdhport migrate database`: PostgreSQL to PostgreSQL with pg_dump and pg_restore, proven table by table.

The catalogue's relational database speaks the PostgreSQL protocol on every cloud (Azure Database for
PostgreSQL, Trove, PostgreSQL on VMs), so the move is the engine's own: a custom-format dump (kept, with
its SHA-256), restored into an empty database without owners or grants (roles differ between clouds:
Azure's azure_pg_admin does not exist elsewhere). Both sides are then fingerprinted: per table, the row
count and an order-independent checksum of every row's text; per sequence, its last value.

Connection strings are libpq's (`host=... port=... user=... dbname=...` or postgresql:// URIs); give
passwords through PGPASSWORD or a PGPASSFILE, not on the command line where `ps` shows them.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hdhport.errors import InputError, Problem
from hdhport.migrate.redaction import HIDDEN, redact

Progress = Callable[[str], None]

# Every row is compared through its text form, which depends on these settings: fix them on both sides.
_SESSION = ("SET datestyle = 'ISO, YMD'; SET timezone = 'UTC'; SET extra_float_digits = 3; "
            "SET bytea_output = 'hex'; SET intervalstyle = 'postgres'; SET search_path = pg_catalog;")
# Names travel hex-encoded: an identifier may hold a tab or a newline, which would break psql's lines.
_TABLES = ("SELECT encode(convert_to(format('%I.%I', n.nspname, c.relname), 'UTF8'), 'hex') FROM pg_class c "
           "JOIN pg_namespace n ON n.oid = "
           "c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
           "AND n.nspname !~ '^pg_(toast|temp)' ORDER BY 1")
_SEQUENCES = ("SELECT encode(convert_to(format('%I.%I', schemaname, sequencename), 'UTF8'), 'hex'), "
              "coalesce(last_value::text, '') FROM pg_sequences "
              "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")


class DatabaseError(RuntimeError):
    """A PostgreSQL tool failed; the message is one line."""


@dataclass(frozen=True)
class TablePrint:
    rows: int
    checksum: str  # two 60-bit sums of the rows' MD5 prefixes, order-independent


@dataclass
class DbSummary:
    source: str
    target: str
    dump: str
    dump_sha256: str = ""
    dump_bytes: int = 0
    tables: int = 0
    rows: int = 0
    sequences: int = 0
    mismatches: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.mismatches

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["seconds"] = {k: round(v, 3) for k, v in self.seconds.items()}
        return data

    def to_text(self) -> str:
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        lines = [f"{'source':<12}{self.source}", f"{'target':<12}{self.target}",
                 f"{'dump':<12}{self.dump} ({self.dump_bytes} bytes)", f"{'':<12}sha256 {self.dump_sha256}",
                 f"{'tables':<12}{self.tables} with {self.rows} rows; {self.sequences} sequences",
                 f"{'mismatches':<12}{len(self.mismatches)}",
                 f"{'time':<12}{sum(self.seconds.values()):.1f} s ({phases})"]
        lines += self.mismatches
        if self.failure:
            lines.append(f"FAILED: {self.failure}")
        return "\n".join(lines + ["ok: every table and sequence matches" if self.ok else "NOT VERIFIED"])


class Tools:
    """pg_dump, pg_restore and psql from `bin_dir`, else from PATH."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.paths: dict[str, str] = {}
        for tool in ("pg_dump", "pg_restore", "psql"):
            found = str(bin_dir / tool) if bin_dir else shutil.which(tool)
            if not found or not os.access(found, os.X_OK):
                where = str(bin_dir) if bin_dir else "PATH"
                raise InputError([Problem.argument(tool, f"{tool} not found in {where}: install the Debian "
                                                          "package postgresql-client (or pass --pg-bin)")])
            self.paths[tool] = found
        self.hidden: set[str] = set()  # the passwords of the connection strings in use, and their pieces

    def run(self, tool: str, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run([self.paths[tool], *args], input=stdin, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            message = " ".join((done.stderr or done.stdout or f"exit {done.returncode}").split())
            raise DatabaseError(f"{tool} failed: {self.redact(message)[:400]}")
        return done.stdout

    def redact(self, text: str) -> str:
        """Credentials hidden by what they are, then any piece of a known password: libpq splits a URL
        whose password holds an unencoded '@' elsewhere and echoes the tail as a host name."""
        text = redact(text)
        for secret in sorted(self.hidden, key=len, reverse=True):
            text = text.replace(secret, HIDDEN)
        return text

    def query(self, dsn: str, sql: str) -> list[list[str]]:
        out = self.run("psql", "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-q", "-d", dsn, "-f", "-",
                       stdin=f"{_SESSION}\n{sql}\n")
        return [line.split("\t") for line in out.splitlines() if line]


def _redact(text: str) -> str:
    """Hide passwords a connection string or a tool's message may carry."""
    return redact(text)


def passwords(dsn: str) -> set[str]:
    """The password a connection string carries, and each piece of it around an '@' (at least 4 characters)."""
    found = {m.group(1).strip("'") for m in re.finditer(r"(?i)\bpassword\s*=\s*('[^']*'|\S+)", dsn)}
    url = re.match(r"(?i)[a-z]+://[^:/@\s]*:(.*)@[^@]*$", dsn)
    if url:
        found.add(url.group(1))
    return {piece for secret in found for piece in (secret, *secret.split("@")) if len(piece) >= 4}


def fingerprint(tools: Tools, dsn: str) -> tuple[dict[str, TablePrint], dict[str, str]]:
    """Row count and checksum per table, last value per sequence."""
    tables = [_unhex(row[0]) for row in tools.query(dsn, _TABLES)]
    prints: dict[str, TablePrint] = {}
    if tables:
        # The index, not the name, identifies each result line: names may hold tabs or newlines.
        parts = [f"SELECT {i}, count(*), coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0), "
                 f"coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0) "
                 f"FROM (SELECT md5(t::text) AS h FROM {name} AS t) AS s;" for i, name in enumerate(tables)]
        for index, rows, low, high in tools.query(dsn, "\n".join(parts)):
            prints[tables[int(index)]] = TablePrint(int(rows), f"{low}:{high}")
    sequences = {_unhex(row[0]): row[1] if len(row) > 1 else "" for row in tools.query(dsn, _SEQUENCES)}
    return prints, sequences


def _unhex(text: str) -> str:
    return bytes.fromhex(text).decode("utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def move(source: str, target: str, dump: Path, *, tools: Tools, jobs: int = 2,
         progress: Progress = lambda _: None) -> DbSummary:
    if dump.exists():
        raise InputError([Problem(str(dump), 1, 1, "", "a dump is already here: choose another --dump (a dump is "
                                                       "evidence of what was moved and is never overwritten)")])
    tools.hidden |= passwords(source) | passwords(target)
    summary = DbSummary(tools.redact(source), tools.redact(target), str(dump))
    existing = tools.query(target, _TABLES)
    if existing:
        raise InputError([Problem.argument("TARGET", f"the target database already has {len(existing)} table(s), "
                                                      f"e.g. {_unhex(existing[0][0])}; restore into an empty database")])
    started = time.monotonic()
    progress("fingerprinting the source")
    source_tables, source_sequences = fingerprint(tools, source)
    summary.seconds["fingerprint source"] = time.monotonic() - started
    started = time.monotonic()
    progress(f"pg_dump to {dump}")
    _dump(tools, source, dump)
    summary.dump_sha256, summary.dump_bytes = _sha256(dump), dump.stat().st_size
    summary.seconds["dump"] = time.monotonic() - started
    started = time.monotonic()
    progress(f"pg_restore with {jobs} job(s)")
    tools.run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--jobs", str(jobs),
              "--dbname", target, str(dump))
    summary.seconds["restore"] = time.monotonic() - started
    started = time.monotonic()
    progress("fingerprinting the target")
    target_tables, target_sequences = fingerprint(tools, target)
    summary.seconds["fingerprint target"] = time.monotonic() - started
    summary.tables, summary.sequences = len(source_tables), len(source_sequences)
    summary.rows = sum(t.rows for t in source_tables.values())
    summary.mismatches = compare(source_tables, target_tables, source_sequences, target_sequences)
    return summary


def _dump(tools: Tools, source: str, dump: Path) -> None:
    """pg_dump into a 0600 temporary file beside `dump` (every row of health data: no other user reads it),
    then linked to its name, which fails rather than replace a dump that appeared meanwhile."""
    dump.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=dump.parent, prefix=f".{dump.name}.", suffix=".tmp")
    os.close(descriptor)
    try:
        tools.run("pg_dump", "--format=custom", "--file", temporary, "--dbname", source)
        os.chmod(temporary, 0o600)  # pg_dump reopens the file; its mode stays the one mkstemp gave
        try:
            os.link(temporary, dump)
        except FileExistsError:
            raise InputError([Problem(str(dump), 1, 1, "", "a dump appeared here during the run: choose another "
                                                           "--dump")]) from None
    finally:
        Path(temporary).unlink(missing_ok=True)


def compare(source_tables: dict[str, TablePrint], target_tables: dict[str, TablePrint],
            source_sequences: dict[str, str], target_sequences: dict[str, str]) -> list[str]:
    """Every difference between two fingerprints, one line each."""
    found = []
    for name in sorted(source_tables.keys() | target_tables.keys()):
        want, got = source_tables.get(name), target_tables.get(name)
        if want is None:
            found.append(f"UNEXPECTED table {name} in the target")
        elif got is None:
            found.append(f"MISSING    table {name}: {want.rows} rows at the source")
        elif want != got:
            found.append(f"DIFFERENT  table {name}: {want.rows} rows checksum {want.checksum} at the source, "
                         f"{got.rows} rows checksum {got.checksum} in the target")
    for name in sorted(source_sequences.keys() | target_sequences.keys()):
        if source_sequences.get(name) != target_sequences.get(name):
            found.append(f"DIFFERENT  sequence {name}: last value {source_sequences.get(name)!r} at the source, "
                         f"{target_sequences.get(name)!r} in the target")
    return found
