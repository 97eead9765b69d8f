"""Hostile input, migration half: credentials given inline (rclone connection strings, AMQP and PostgreSQL URLs)
never reach a message, a progress line, a summary, a state file or a child's command line; manifests, state
files, logs and database dumps are created 0600 (reliability review 2026-12-02, rows 7 and 19)."""
from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import tree
from hdhport.errors import InputError
from hdhport.migrate import database
from hdhport.migrate import rclone as rclone_module
from hdhport.migrate.queues import endpoint
from hdhport.migrate.redaction import redact

S3_SECRET = "PlainS3SecretKey123"
CRYPT_PASSWORD = "CryptPlainPassw0rd"


def rclone_obscure(text: str) -> str:
    return subprocess.run(["rclone", "obscure", text], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The command line of every child hdhport starts."""
    argvs: list[list[str]] = []
    popen = subprocess.Popen

    def spy(argv: list[str], *args: Any, **kwargs: Any) -> Any:
        argvs.append([str(a) for a in argv])
        return popen(argv, *args, **kwargs)

    monkeypatch.setattr(rclone_module.subprocess, "Popen", spy)
    return argvs


@pytest.mark.parametrize("text", [
    f":s3,provider=Minio,access_key_id=AKID,secret_access_key={S3_SECRET},endpoint=http://127.0.0.1:9:bucket",
    f":webdav,url='http://127.0.0.1:18080',user=u,pass='{S3_SECRET}':",
    f"azure,sas_url='https://a.blob.core.windows.net/c?sv=2022&sig={S3_SECRET}':c",
    f"amqp://admin:{S3_SECRET}@broker:5672", f"postgresql://postgres:{S3_SECRET}@127.0.0.1:5432/src",
    f"host=db password={S3_SECRET} dbname=x"])
def test_every_kind_of_inline_credential_is_redacted(text: str) -> None:
    """Rows 7 and 19: by what the credential is, wherever it is."""
    assert S3_SECRET not in redact(text)


@pytest.mark.integration
@pytest.mark.usefixtures("require_rclone")
def test_an_on_the_fly_s3_secret_is_in_no_message_and_no_command_line(cli: Any, tmp_path: Path,
                                                                      recorded: list[list[str]],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 7: `migrate objects ":s3,...,secret_access_key=...:bucket" DST` against an unreachable endpoint."""
    monkeypatch.setenv("RCLONE_RETRIES", "1")
    monkeypatch.setenv("RCLONE_LOW_LEVEL_RETRIES", "1")
    monkeypatch.setenv("RCLONE_CONTIMEOUT", "2s")
    source = f":s3,provider=Minio,access_key_id=AKID,secret_access_key={S3_SECRET},endpoint=http://127.0.0.1:9:bucket"
    result = cli("migrate", "objects", source, str(tmp_path / "dst"), "--manifest", str(tmp_path / "m.jsonl"))
    assert result.code == 1 and result.err.strip(), result.err
    assert S3_SECRET not in result.out + result.err
    assert recorded and not [argv for argv in recorded if any(S3_SECRET in a for a in argv)]
    for file in tmp_path.iterdir():
        assert S3_SECRET not in file.read_text(errors="replace"), file


@pytest.mark.integration
@pytest.mark.usefixtures("require_rclone")
def test_a_crypt_password_is_kept_out_of_every_output_and_every_file_is_0600(cli: Any, tmp_path: Path,
                                                                            recorded: list[list[str]]) -> None:
    """Rows 7 and 19: a working move to an rclone crypt remote whose password is given inline (as the review's
    WebDAV `pass=`): nothing it prints or writes shows the password, no child's argv holds it, and the manifest,
    state file and log are 0600."""
    obscured = rclone_obscure(CRYPT_PASSWORD)
    tree(tmp_path / "src", {"cohort.csv": b"id,age\n1,42\n"})
    dest = f":crypt,remote={tmp_path / 'vault'},password={obscured}:"
    out = tmp_path / "out"
    result = cli("migrate", "objects", str(tmp_path / "src"), dest, "--manifest", str(out / "m.jsonl"),
                 "--format", "json")
    assert result.code == 0, result.out + result.err
    assert obscured not in result.out + result.err and ",password=***:" in json.loads(result.out)["dest"]
    assert recorded and not [argv for argv in recorded if any(obscured in a for a in argv)]
    assert (tmp_path / "vault").is_dir() and not (tmp_path / "vault" / "cohort.csv").exists()  # encrypted there
    for name in ("m.jsonl", "m.jsonl.state.json", "m.jsonl.rclone.log"):
        assert obscured not in (out / name).read_text(errors="replace"), name
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name
    again = cli("migrate", "verify", dest, "--manifest", str(out / "m.jsonl"))
    assert again.code == 0 and obscured not in again.out + again.err, again.out + again.err


def test_amqp_url_passwords_are_not_echoed() -> None:
    """Row 19: a bad scheme or port in an AMQP URL is named without its password."""
    for url in ("amqpx://admin:QueuePassw0rd@broker:5672", "amqp://admin:QueuePassw0rd@broker:99999"):
        with pytest.raises(InputError) as error:
            endpoint(url, "/queue/q", "HDHPORT_AMQP_FROM_PASSWORD", "--from")
        assert "QueuePassw0rd" not in str(error.value) and "admin:***@broker" in str(error.value)


def fake_postgres_tools(directory: Path, psql_error: str = "") -> Path:
    directory.mkdir()
    scripts = {
        "pg_dump": '#!/bin/sh\nwhile [ "$1" != "--file" ]; do shift; done\nprintf "PGDMP fake dump" > "$2"\n',
        "pg_restore": "#!/bin/sh\nexit 0\n",
        "psql": (f"#!/bin/sh\necho '{psql_error}' >&2\nexit 2\n" if psql_error else "#!/bin/sh\ncat > /dev/null\n"),
    }
    for name, text in scripts.items():
        (directory / name).write_text(text, encoding="utf-8")
        (directory / name).chmod(0o755)
    return directory


def test_the_database_dump_is_created_0600(tmp_path: Path) -> None:
    """Row 19: the dump holds every row of health data; umask 022 would make it world-readable."""
    old = os.umask(0o022)
    try:
        dump = tmp_path / "dumps" / "x.dump"
        summary = database.move("dbname=src", "dbname=dst", dump, tools=database.Tools(fake_postgres_tools(
            tmp_path / "bin")))
    finally:
        os.umask(old)
    assert summary.ok and dump.read_bytes() == b"PGDMP fake dump"
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert [p.name for p in dump.parent.iterdir()] == ["x.dump"]  # no temporary left behind


def test_a_password_with_an_at_sign_leaks_no_piece_through_psql(tmp_path: Path) -> None:
    """Row 19: libpq reads `postgresql://u:Db@Pass@host/x` with host `Pass@host` and psql echoes it."""
    tools = database.Tools(fake_postgres_tools(tmp_path / "bin", 'could not translate host name "Pass@127.0.0.1"'))
    with pytest.raises(database.DatabaseError) as error:
        database.move("postgresql://postgres:DbSecret@Pass@127.0.0.1:25432/src", "dbname=dst", tmp_path / "d.dump",
                      tools=tools)
    assert "Pass@127" not in str(error.value) and "DbSecret" not in str(error.value)
