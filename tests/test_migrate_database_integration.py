"""`hdhport migrate database` between two real PostgreSQL 15 clusters on two ports: dump, restore, and
proof table by table, checked against a second, independent checksum computed here with psql.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hdhport.migrate import database
from servers.figures import record
from servers.fixtures import postgres_pair  # noqa: F401 - session fixture used by name
from servers.postgres import BIN, Postgres

pytestmark = pytest.mark.integration

SCHEMA = r"""
CREATE TABLE patients (id bigserial PRIMARY KEY, pseudonym text NOT NULL, born date, weight numeric(6, 2),
                       seen timestamptz, tags text[], payload bytea, notes jsonb);
INSERT INTO patients (pseudonym, born, weight, seen, tags, payload, notes)
SELECT md5(i::text), date '1930-01-01' + i % 30000, (i % 9000) / 100.0,
       timestamptz '2020-01-01 00:00:00+01' + i * interval '17 minutes', ARRAY['cohort-' || i % 7, 'é'],
       decode(md5(i::text), 'hex'), jsonb_build_object('i', i, 'text', E'ligne\ttab\nnewline ' || i)
FROM generate_series(1, 20000) AS i;
CREATE TABLE events_without_key (happened double precision, label text);
INSERT INTO events_without_key SELECT i / 7.0, CASE WHEN i % 5 = 0 THEN NULL ELSE 'évt ' || i END
FROM generate_series(1, 5000) AS i;
CREATE SCHEMA "Project Zone";
CREATE TABLE "Project Zone"."odd	name" (x int);
INSERT INTO "Project Zone"."odd	name" VALUES (1), (2), (NULL);
CREATE TABLE empty_table (x int);
SELECT setval('patients_id_seq', 25000);
"""
# Independent of hdhport's fingerprint: count and MD5 of the rows' text in a fixed order, per table.
ORACLE = ("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM {table} t")
TABLES = ("public.patients", "public.events_without_key", "\"Project Zone\".\"odd\tname\"", "public.empty_table")


def oracle(server: Postgres) -> dict[str, str]:
    return {table: server.psql(ORACLE.format(table=table), "hdh") for table in TABLES}


def passfile(tmp_path: Path, *servers: Postgres) -> dict[str, str]:
    """Passwords through a PGPASSFILE, as the command's help says: never on the command line."""
    path = tmp_path / "pgpass"
    path.write_text("".join(f"127.0.0.1:{s.port}:*:hdh:{s.password}\n" for s in servers), encoding="utf-8")
    path.chmod(0o600)
    return {**os.environ, "PGPASSFILE": str(path)}


def migrate(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hdhport.cli", "migrate", "database", *args, "--pg-bin", str(BIN)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)


def test_dump_and_restore_between_two_servers_keeps_every_row(
        postgres_pair: tuple[Postgres, Postgres], tmp_path: Path) -> None:  # noqa: F811
    source, target = postgres_pair
    source.psql("CREATE DATABASE hdh")
    target.psql("CREATE DATABASE hdh")
    source.psql(SCHEMA, "hdh")
    env = passfile(tmp_path, source, target)
    dump = tmp_path / "hdh.dump"
    done = migrate(env, source.dsn("hdh"), target.dsn("hdh"), "--dump", str(dump), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"tables": 4' in done.stdout and '"rows": 25003' in done.stdout and '"sequences": 1' in done.stdout
    assert '"mismatches": []' in done.stdout and dump.stat().st_size > 0
    # The independent oracle agrees, table by table, and so does the sequence.
    assert oracle(target) == oracle(source)
    assert target.psql("SELECT last_value FROM patients_id_seq", "hdh") == "25000"
    # The source is untouched by the move.
    assert source.psql("SELECT count(*) FROM patients", "hdh") == "20000"
    moved = json.loads(done.stdout)
    record("database", {"tables": moved["tables"], "rows": moved["rows"], "dump_bytes": moved["dump_bytes"],
                        "seconds": moved["seconds"], "server": "PostgreSQL 15, two clusters"})

    # A second run into the now non-empty target is refused (exit 2, one line), as is an existing dump.
    again = migrate(env, source.dsn("hdh"), target.dsn("hdh"), "--dump", str(tmp_path / "again.dump"))
    assert again.returncode == 2 and "already has 4 table(s)" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    kept = migrate(env, source.dsn("hdh"), target.dsn("hdh"), "--dump", str(dump))
    assert kept.returncode == 2 and "a dump is already here" in kept.stderr


def test_the_fingerprint_sees_a_single_changed_value(postgres_pair: tuple[Postgres, Postgres],  # noqa: F811
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    source, _ = postgres_pair
    source.psql("CREATE DATABASE fingerprint")
    source.psql("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT i, 'v' || i "
                "FROM generate_series(1, 1000) i", "fingerprint")
    monkeypatch.setenv("PGPASSWORD", source.password)
    tools, dsn = database.Tools(BIN), source.dsn("fingerprint")
    before, _ = database.fingerprint(tools, dsn)
    source.psql("UPDATE t SET v = 'changed' WHERE id = 500", "fingerprint")
    after, _ = database.fingerprint(tools, dsn)
    source.psql("UPDATE t SET v = 'v500' WHERE id = 500", "fingerprint")
    restored, _ = database.fingerprint(tools, dsn)
    assert before["public.t"].rows == after["public.t"].rows == 1000
    assert before["public.t"].checksum != after["public.t"].checksum
    assert restored == before  # row order on disk changed; the order-independent checksum did not
    assert database.compare(before, after, {}, {}) == [
        f"DIFFERENT  table public.t: 1000 rows checksum {before['public.t'].checksum} at the source, 1000 rows "
        f"checksum {after['public.t'].checksum} in the target"]
