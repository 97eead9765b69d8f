"""The pure parts of the data moves: credential redaction, remote names, overlapping paths, AMQP endpoints,
database fingerprint comparison, summaries, and the command line's bad inputs that need no server.
"""
from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from hdhport.errors import InputError
from hdhport.migrate import database, objects, queues
from hdhport.migrate.objects import Mismatch, Summary
from hdhport.migrate.rclone import Rclone, redact, remote_name


def test_sas_signatures_and_s3_credentials_never_reach_a_message() -> None:
    text = ('Failed: GET "http://127.0.0.1:10000/devstoreaccount1/c?sv=2024-05-04&ss=b&srt=sco&sp=rl&se=2026-11-23T00'
            '%3A00%3A00Z&sig=AbC%2Bdef%3D" and X-Amz-Signature=0123abcd&X-Amz-Credential=AKIA/2026')
    cleaned = redact(text)
    for secret in ("AbC%2Bdef%3D", "0123abcd", "AKIA/2026", "2024-05-04"):
        assert secret not in cleaned
    assert "sig=REDACTED" in cleaned and "devstoreaccount1/c?" in cleaned


@pytest.mark.parametrize(("path", "name"), [
    ("azure:container/prefix", "azure"), ("my remote:bucket", "my remote"), ("swift:", "swift"),
    (":swift,user=x,key=y:container", ":"), ("/srv/data", None), ("relative/dir", None), ("./odd:name", None),
    ("C", None),
])
def test_remote_names(path: str, name: str | None) -> None:
    assert remote_name(path) == name


@pytest.mark.parametrize(("source", "dest", "overlap"), [
    ("azure:a", "azure:a", True), ("azure:a", "azure:a/b", True), ("azure:a/b", "azure:a", True),
    ("azure:a", "azure:ab", False), ("azure:a", "swift:a", False), ("/srv/x", "/srv/x/y", True),
    ("/srv/x", "/srv/xy", False),
])
def test_a_destination_overlapping_its_source_is_refused(source: str, dest: str, overlap: bool) -> None:
    if overlap:
        with pytest.raises(InputError, match="overlaps the source"):
            objects.check_paths(source, dest)
    else:
        objects.check_paths(source, dest)


class ConfiguredRclone(Rclone):
    """An Rclone whose `rclone config dump` prints CONFIG, counting the commands it is asked to run."""

    CONFIG = {"into": {"type": "alias", "remote": "/srv/x"}, "deeper": {"type": "alias", "remote": "into:y"},
              "disk": {"type": "local"}, "bucket": {"type": "alias", "remote": "azure:a"},
              "loop": {"type": "alias", "remote": "loop:"}, "azure": {"type": "azureblob"}}

    def __init__(self) -> None:
        super().__init__()
        self.commands: list[tuple[str, ...]] = []

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        self.commands.append(args)
        return subprocess.CompletedProcess(list(args), 0, json.dumps(self.CONFIG), "")


@pytest.mark.parametrize(("source", "dest", "overlap"), [
    ("/srv/x", ":local:/srv/x/y", True), ("/srv/x", ":local,copy_links=true:/srv/x", True),
    (":local:/srv/x/y", "/srv/x", True), ("/srv/x", ":local:/srv/xy", False), ("/srv/x", "into:y", True),
    ("/srv/x/y", "into:", True), ("/srv/x", "deeper:", True), ("/srv/x/y/z", "deeper:", True),
    ("/srv/x", "disk:/srv/x/y", True), ("disk:/srv/x", "into:", True), ("/srv/x", "into,remote=/srv:xy", False),
    ("/srv/x", "into,remote=/srv:x/y", True), ("/srv/x", ":alias,remote=/srv/x:y", True),
    ("bucket:b", "azure:a/b/c", True), ("bucket:", "azure:a", True), ("bucket:", "azure:ab", False),
    ("azure:", "azure:a", True), ("/srv/x", "loop:x", False), ("/srv/x", "unknown:x", False),
])
def test_the_overlap_check_follows_local_and_alias_remotes(source: str, dest: str, overlap: bool) -> None:
    """Issue 17: where `:local:`, a `local` remote and an `alias` remote (followed to what it names) lead."""
    rclone = ConfiguredRclone()
    if overlap:
        with pytest.raises(InputError, match="overlaps the source"):
            objects.check_paths(source, dest, rclone)
    else:
        objects.check_paths(source, dest, rclone)
    named = any(remote_name(p) not in (None, ":") for p in (source, dest))
    assert rclone.commands == ([("config", "dump", "--ask-password=false")] if named else [])


def test_the_overlap_check_reads_the_configuration_once_and_never_prints_it() -> None:
    rclone = ConfiguredRclone()
    rclone.CONFIG = {**rclone.CONFIG, "into": {"type": "alias", "remote": ":s3,secret_access_key=S3cr3t:b/x"}}
    objects.check_paths("bucket:", "azure:b", rclone)
    with pytest.raises(InputError) as refused:
        objects.check_paths(":s3,secret_access_key=S3cr3t:b", "into:y", rclone)
    assert "S3cr3t" not in str(refused.value) and len(rclone.commands) == 1


def test_summary_text_names_each_mismatch_and_the_verdict() -> None:
    summary = Summary("move", "azure:c", "swift:c", "m.jsonl", "f" * 64, 3, 3 * 1024 * 1024, verified=1, copied=3,
                      mismatches=[Mismatch("b b", "sha256", "1" * 64, "2" * 64), Mismatch("a", "missing", "5 bytes")],
                      seconds={"copy": 1.25, "verify": 0.5})
    text = summary.to_text().splitlines()
    assert "bytes       3145728 (3.0 MiB)" in text and "time        1.8 s (copy 1.2 s, verify 0.5 s)" in text
    assert f"SHA256     'b b': expected {'1' * 64}, found {'2' * 64}" in text
    assert "MISSING    'a': in the manifest (5 bytes), absent at the destination" in text
    assert text[-1] == "NOT VERIFIED" and not summary.ok
    assert summary.to_json()["ok"] is False and summary.to_json()["mismatches"][1]["kind"] == "missing"


# ---------------------------------------------------------------------------------------------- AMQP endpoints


def test_an_endpoint_takes_its_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HDHPORT_AMQP_FROM_PASSWORD", "s3cret")
    found = queues.endpoint("amqps://RootManageSharedAccessKey@hdh.servicebus.windows.net", "orders",
                            "HDHPORT_AMQP_FROM_PASSWORD", "--from")
    assert (found.url, found.address, found.user, found.password) == (
        "amqps://hdh.servicebus.windows.net:5671", "orders", "RootManageSharedAccessKey", "s3cret")
    assert "s3cret" not in str(found) and "s3cret" not in repr(found)


@pytest.mark.parametrize(("url", "address", "message"), [
    ("http://host", "/queue/a", "expected amqp://[user@]host[:port]"),
    ("amqp://host/queue/a", "/queue/a", "give the queue with its --*-address option"),
    ("amqp://host", "", "empty address"),
    ("amqp://user@host", "/queue/a", "no password for 'user': set HDHPORT_TEST_UNSET_PASSWORD"),
    ("amqp://host:99999", "/queue/a", "bad port"),
])
def test_bad_endpoints(url: str, address: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]").replace("*", r"\*")):
        queues.endpoint(url, address, "HDHPORT_TEST_UNSET_PASSWORD", "--from")


def test_queue_bad_input_exits_2_before_any_connection(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HDHPORT_AMQP_TO_PASSWORD", raising=False)
    monkeypatch.setenv("HDHPORT_AMQP_FROM_PASSWORD", "x")
    result = cli("migrate", "queue", "--from", "amqp://u@127.0.0.1:1", "--from-address", "/queue/a", "--to",
                 "amqp://v@127.0.0.1:1", "--to-address", "/queue/b")
    assert result.code == 2 and result.err.strip() == "--to: no password for 'v': set HDHPORT_AMQP_TO_PASSWORD"


# ---------------------------------------------------------------------------------------------- databases


def test_database_fingerprints_compare_table_by_table() -> None:
    a, b = database.TablePrint(10, "1:2"), database.TablePrint(10, "1:3")
    found = database.compare({"public.t": a, "public.gone": a}, {"public.t": b, "public.extra": a},
                             {"public.s": "42"}, {"public.s": "41"})
    assert found == [
        "UNEXPECTED table public.extra in the target",
        "MISSING    table public.gone: 10 rows at the source",
        "DIFFERENT  table public.t: 10 rows checksum 1:2 at the source, 10 rows checksum 1:3 in the target",
        "DIFFERENT  sequence public.s: last value '42' at the source, '41' in the target"]
    assert database.compare({"public.t": a}, {"public.t": a}, {}, {}) == []


def test_database_passwords_are_redacted() -> None:
    assert database._redact("host=db password=hunter2 user=x") == "host=db password=*** user=x"
    assert database._redact("postgresql://hdh:hunter2@db:5432/x") == "postgresql://hdh:***@db:5432/x"
    assert database._redact("password='a b c' dbname=x") == "password=*** dbname=x"


def test_database_tools_missing_is_bad_input(tmp_path: Any) -> None:
    with pytest.raises(InputError, match="pg_dump not found in .*: install the Debian package postgresql-client"):
        database.Tools(tmp_path)


def test_parallelism_is_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    from hdhport.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["migrate", "objects", "a:x", "b:y", "--parallel", "0"])
    assert exited.value.code == 2 and "expected 1 to 256, got 0" in capsys.readouterr().err
