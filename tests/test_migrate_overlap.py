"""Issue 17, the remaining holes of the overlap check, through the real rclone and a configuration file in
tmp_path: the wrapper remotes (crypt, chunker, compress, hasher, union, combine, on-the-fly and
connection-string spellings) are followed to where they store, and a `:local:` or `local`-remote source gets
the plain local path's checks (symbolic links and FIFOs named as NOT MOVED, never "ok")."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import tree
from hdhport.errors import InputError
from hdhport.migrate import objects
from hdhport.migrate.overlap import Lead, Resolver
from hdhport.migrate.rclone import Rclone

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("require_rclone")]

FILES = {"plain.txt": b"plain\n", "sub/data.bin": b"d" * 1000}


@pytest.fixture
def password() -> str:
    done = subprocess.run(["rclone", "obscure", "not a secret"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return tree(tmp_path / "src", FILES)


def configure(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "rclone.conf"
    config.write_text(text, encoding="utf-8")
    return config


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def refused(source: str, dest: str, config: Path, match: str = "overlaps the source") -> str:
    with pytest.raises(InputError, match=match) as caught:
        objects.check_paths(source, dest, Rclone(config))
    return str(caught.value)


# ------------------------------------------------------------------------------------------ wrapper remotes


@pytest.mark.parametrize("kind", ["crypt", "chunker", "compress", "hasher"])
def test_a_wrapper_over_the_source_is_refused_as_destination(kind: str, source: Path, tmp_path: Path,
                                                             password: str) -> None:
    config = configure(tmp_path, f"[w]\ntype = {kind}\nremote = {source}\npassword = {password}\n\n"
                                 f"[away]\ntype = {kind}\nremote = {tmp_path / 'elsewhere'}\npassword = {password}\n")
    for dest in ("w:", "w:copy", "w:sub/deeper"):
        refused(str(source), dest, config)
    refused(f"w:{'' if kind == 'crypt' else 'sub'}", str(source), config)  # the other way round
    objects.check_paths(str(source), "away:copy", Rclone(config))


def test_a_crypt_destination_is_compared_by_its_encrypted_folder_names(tmp_path: Path, password: str) -> None:
    """Source and crypt destination share one folder: only the folder crypt stores `enc` under is the source's."""
    store = tmp_path / "store"
    config = configure(tmp_path, f"[c]\ntype = crypt\nremote = {store}\npassword = {password}\n")
    tree(tmp_path / "seed", FILES)
    subprocess.run(["rclone", "--config", str(config), "copy", str(tmp_path / "seed"), "c:enc"], check=True)
    (encrypted,) = os.listdir(store)
    tree(store / "plain", FILES)
    message = refused(str(store / encrypted), "c:enc", config)
    assert f"(they lead to '{store}/<enc, crypt-encrypted>' and '{store / encrypted}')" in message
    refused(str(store / encrypted / "sub"), "c:enc", config)  # the source inside the destination
    refused(str(store / encrypted), "c:enc/sub", config)  # the destination inside the source
    refused(str(store), "c:other", config)
    rclone = Rclone(config)
    for source, dest in ((store / "plain", "c:enc"), (store / encrypted, "c:other"), (store / "plain", "c:plain")):
        objects.check_paths(str(source), dest, rclone)
    with pytest.raises(InputError, match="the manifest would be written inside the destination 'c:enc'"):
        objects.check_manifest_path(store / encrypted / "m.jsonl", str(tmp_path / "elsewhere"), "c:enc", rclone)
    objects.check_manifest_path(store / "plain" / "m.jsonl", str(tmp_path / "elsewhere"), "c:enc", rclone)


def test_crypt_without_encrypted_folder_names_is_compared_by_its_plain_names(tmp_path: Path, password: str) -> None:
    store = tmp_path / "store"
    config = configure(tmp_path, f"[off]\ntype = crypt\nremote = {store}\npassword = {password}\n"
                                 "filename_encryption = off\n\n"
                                 f"[plain]\ntype = crypt\nremote = {store}\npassword = {password}\n"
                                 "directory_name_encryption = false\n")
    for remote in ("off", "plain"):
        refused(str(store / "a"), f"{remote}:a/b", config)
        objects.check_paths(str(store / "a"), f"{remote}:b", Rclone(config))


def test_union_and_combine_overlap_when_any_upstream_does(source: Path, tmp_path: Path) -> None:
    spaced = tmp_path / "with space"
    config = configure(tmp_path, f"[u]\ntype = union\nupstreams = {tmp_path / 'one'} {source}:ro\n\n"
                                 f"[q]\ntype = union\nupstreams = {tmp_path / 'one'} \"{spaced}:nc\"\n\n"
                                 f"[k]\ntype = combine\nupstreams = a={tmp_path / 'one'} b={source}\n\n"
                                 f"[far]\ntype = union\nupstreams = {tmp_path / 'one'} {tmp_path / 'two'}\n")
    refused(str(source), "u:", config)
    refused(str(source / "sub"), "u:sub", config)
    refused(str(spaced / "x"), "q:x", config)
    refused(str(source), "k:", config)
    refused(str(source), "k:b/x", config)
    rclone = Rclone(config)
    for dest in ("k:a", "k:a/x", "far:", "u:other"):
        objects.check_paths(str(source / "sub"), dest, rclone)


def test_on_the_fly_and_connection_string_wrappers_are_followed(source: Path, tmp_path: Path, password: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    config = configure(tmp_path, f"[c]\ntype = crypt\nremote = {tmp_path / 'elsewhere'}\npassword = {password}\n")
    refused(str(source), f":crypt,remote={source},password={password}:", config)
    refused(str(source), f":chunker,remote='{source}':x", config)
    refused(str(source), f":union,upstreams='{tmp_path / 'one'} {source}':", config)
    refused(str(source), f"c,remote={source}:x", config)  # a connection string overrides the configuration
    objects.check_paths(str(source), "c:x", Rclone(config))
    monkeypatch.setenv("RCLONE_CONFIG_C_REMOTE", str(source))  # rclone's remote variable, over the file
    refused(str(source), "c:x", config)
    monkeypatch.delenv("RCLONE_CONFIG_C_REMOTE")
    monkeypatch.setenv("RCLONE_CRYPT_REMOTE", str(source))  # the backend's variable, over the file
    refused(str(source), "c:x", config)
    refused(str(source), f":crypt,password={password}:x", config)


def test_wrappers_over_object_stores_compare_by_remote_and_path(tmp_path: Path, password: str) -> None:
    """A crypt over an s3 remote's bucket is that bucket: refused over it, allowed beside it or to a local path."""
    config = configure(tmp_path, "[s3r]\ntype = s3\nprovider = Minio\nendpoint = http://127.0.0.1:1\n\n"
                                 f"[c]\ntype = crypt\nremote = s3r:bucket/x\npassword = {password}\n\n"
                                 f"[a]\ntype = alias\nremote = c:y\n")
    refused("s3r:bucket", "c:y", config)
    refused("s3r:bucket/x", "a:", config)
    rclone = Rclone(config)
    # s3r:bucket/x/plain is no name crypt gives (rclone cryptdecode, which reads no object, says so)
    for source in ("s3r:other", "s3r:bucket/xy", "s3r:bucket/x/plain", str(tmp_path / "local"), "s4:bucket"):
        objects.check_paths(source, "a:z", rclone)


def test_a_configured_remote_is_one_store_whatever_its_connection_string_overrides(tmp_path: Path) -> None:
    """`r,region=x:bucket/sub` is still r's bucket: refused against `r:bucket`, directly or through an alias; two
    on-the-fly backends are told apart by their parameters (two endpoints, two stores)."""
    config = configure(tmp_path, "[r]\ntype = s3\nprovider = Minio\nendpoint = http://127.0.0.1:1\n\n"
                                 "[a]\ntype = alias\nremote = r:bucket\n")
    refused("r:bucket", "r,region=x:bucket/sub", config)
    refused("a:", "r,endpoint='http://127.0.0.1:2':bucket", config)
    objects.check_paths("r,region=x:bucket", "r:other", Rclone(config))
    objects.check_paths(":s3,endpoint='http://127.0.0.1:1':bucket", ":s3,endpoint='http://127.0.0.1:2':bucket",
                        Rclone(config))


@pytest.mark.parametrize(("section", "message"), [
    ("[w]\ntype = crypt\npassword = x\n", "'w:' is a crypt remote with no underlying 'remote'"),
    ("[w]\ntype = union\n", "'w:' is a union remote with no 'upstreams'"),
    ("[w]\ntype = combine\nupstreams = /tmp\n",
     "is a combine remote with an upstream that is not 'folder=remote:path'"),
    ("[w]\ntype = chunker\nremote = w:x\n", "'w:' is a chunker remote over remotes more than 16 deep (a loop?)"),
])
def test_a_wrapper_that_leads_nowhere_known_is_refused_saying_so(cli: Any, source: Path, tmp_path: Path,
                                                                  section: str, message: str) -> None:
    config = configure(tmp_path, section)
    with pytest.raises(InputError, match="cannot tell where 'w:y' leads") as caught:
        objects.check_paths(str(source), "w:y", Rclone(config))
    assert message in str(caught.value)
    result = cli("migrate", "objects", str(source), "w:y", "--manifest", str(tmp_path / "m.jsonl"),
                 "--rclone-config", str(config))
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1, result.err
    assert result.err.strip().startswith("DEST: cannot tell where 'w:y' leads, hence whether it overlaps the "
                                         "source") and message in result.err


def test_unions_of_unions_cannot_multiply_the_remotes_to_follow_without_end(source: Path, tmp_path: Path) -> None:
    """Ten upstreams, each a union of ten, six deep: a million places, refused after a thousand remotes."""
    sections = [f"[u{i}]\ntype = union\nupstreams = {' '.join([f'u{i + 1}:'] * 10)}\n" for i in range(6)]
    config = configure(tmp_path, "\n".join(sections) + f"\n[u6]\ntype = alias\nremote = {tmp_path / 'far'}\n")
    started = time.monotonic()
    refused(str(source), "u0:", config, "is reached through more than 1000 remotes")
    assert time.monotonic() - started < 30


def test_the_resolution_itself(source: Path, tmp_path: Path, password: str) -> None:
    config = configure(tmp_path, f"[c]\ntype = crypt\nremote = {source}\npassword = {password}\n\n"
                                 f"[h]\ntype = hasher\nremote = c:inner\n\n"
                                 f"[k]\ntype = combine\nupstreams = a=h: b=s3r:bucket\n\n[s3r]\ntype = s3\n")
    resolver = Resolver(Rclone(config))
    assert resolver.leads("h:x") == [Lead(str(source), "inner/x", "c:", direct=False)]  # hasher keeps names
    assert resolver.leads("c:x") == [Lead(str(source), "x", "c:", direct=False)]
    assert resolver.leads("k:") == [Lead(str(source), "inner", "c:", direct=False), Lead("s3r:bucket", direct=False)]
    assert resolver.leads("k:b/p//q/") == [Lead("s3r:bucket/p/q", direct=False)]
    assert resolver.leads("k:nowhere") == []
    assert resolver.local_root(f":local:{source}/sub") == str(source / "sub")
    assert resolver.local_root("h:x") is None and resolver.local_root("s3r:bucket") is None


# ------------------------------------------------------------------------------------------ end to end


def test_a_crypt_destination_over_the_source_exits_2_writing_nothing(cli: Any, source: Path, tmp_path: Path,
                                                                     password: str) -> None:
    config = configure(tmp_path, f"[secret]\ntype = crypt\nremote = {source}\npassword = {password}\n\n"
                                 f"[both]\ntype = union\nupstreams = {tmp_path / 'one'} {source}\n")
    before = snapshot(source)
    for dest in ("secret:copy", "both:", f":compress,remote={source}:x"):
        result = cli("migrate", "objects", str(source), dest, "--manifest", str(tmp_path / "m.jsonl"),
                     "--rclone-config", str(config))
        assert result.code == 2 and len(result.err.strip().splitlines()) == 1, result.err
        assert f"overlaps the source '{source}'" in result.err and str(source) in result.err.split("lead to")[1]
    assert snapshot(source) == before and not (tmp_path / "m.jsonl").exists() and not (tmp_path / "one").exists()


@pytest.mark.parametrize("spelling", [":local:{}", "disk:{}", "into:", ":local,case_sensitive=true:{}"])
def test_a_local_source_through_rclone_names_its_symlinks_and_fifos(cli: Any, source: Path, tmp_path: Path,
                                                                    spelling: str) -> None:
    """The plain local path's check (tests/hostile/test_migrate_local_source.py, row 9) for every spelling."""
    config = configure(tmp_path, f"[disk]\ntype = local\n\n[into]\ntype = alias\nremote = disk:{source}\n")
    (source / "link-inside").symlink_to("plain.txt")
    os.mkfifo(source / "sub" / "fifo")
    result = cli("migrate", "objects", spelling.format(source), str(tmp_path / "dst"), "--manifest",
                 str(tmp_path / "m.jsonl"), "--rclone-config", str(config), "--format", "json")
    assert result.code == 1, result.out + result.err
    summary = json.loads(result.out)
    assert summary["not_moved"] == [{"path": "link-inside", "kind": "a symbolic link"},
                                    {"path": "sub/fifo", "kind": "a FIFO"}]
    assert summary["ok"] is False and summary["failure"].startswith("2 entries of the source not moved")
    assert summary["verified"] == len(FILES) and snapshot(tmp_path / "dst") == snapshot(source)


def test_a_local_source_through_rclone_refuses_a_name_that_is_not_utf8(cli: Any, source: Path, tmp_path: Path) -> None:
    (source / os.fsdecode(b"bad\xff")).write_bytes(b"x")
    result = cli("migrate", "objects", f":local:{source}", str(tmp_path / "dst"), "--manifest",
                 str(tmp_path / "m.jsonl"))
    assert result.code == 2 and "is not a UTF-8 name" in result.err and not (tmp_path / "dst").exists()


@pytest.mark.parametrize("spelling", ["/proc/self/fd", ":local:/proc/self/fd"])
def test_an_entry_gone_between_listing_and_stat_is_no_traceback(spelling: str) -> None:
    """Found by the fuzz below (source "/"): /proc/self/fd lists the descriptor its own listing used, closed by
    the time its type is asked; FileNotFoundError escaped local_unmovable as a traceback."""
    unmovable = objects.local_unmovable(spelling, Rclone())
    assert unmovable and {e["kind"] for e in unmovable} == {"a symbolic link"}


# ------------------------------------------------------------------------------------------ fuzz

PIECES = ["c", "u", "k", "a", "l", "w", "s3r", "nowhere", ":", ":local", ":crypt", ":union", ":combine", ":alias",
          ",", "remote=", "upstreams=", "type=", "'", '"', "''", "/", "..", ".", "//", "x", "b", " ", ":ro", "=",
          "\n", "é", "\t", "\u202e", "-", "STORE", "PASSWORD", "filename_encryption=off"]


@settings(max_examples=int(os.environ.get("HDHPORT_FUZZ_EXAMPLES", "60")), deadline=None,
          derandomize="HDHPORT_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pieces=st.lists(st.lists(st.sampled_from(PIECES), max_size=12), min_size=3, max_size=3))
def test_any_spelling_of_source_and_destination_is_checked_or_refused_in_one_line(
        pieces: list[list[str]], tmp_path: Path, password: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostile SOURCE, DEST and --manifest built from rclone's syntax: each check passes or refuses with one
    line (InputError), whatever they name; nothing else escapes, and no check hangs."""
    store = tmp_path / "store"
    config = configure(tmp_path, f"[c]\ntype = crypt\nremote = {store}\npassword = {password}\n\n"
                                 f"[u]\ntype = union\nupstreams = {store}:ro {tmp_path / 'other'}\n\n"
                                 f"[k]\ntype = combine\nupstreams = b={store} x=c:\n\n"
                                 "[a]\ntype = alias\nremote = c:b\n\n"
                                 f"[l]\ntype = local\n\n[w]\ntype = chunker\nremote = w:x\n\n[s3r]\ntype = s3\n")
    source, dest, manifest = ("".join(p).replace("STORE", str(store)).replace("PASSWORD", password) for p in pieces)
    monkeypatch.chdir(tmp_path)  # a relative local path stays in tmp_path
    rclone = Rclone(config)
    try:  # a source outside tmp_path ("/"...) is resolved, never walked
        root = Resolver(rclone).local_root(source)
    except InputError:
        root = None
    walk = root is None or root == str(tmp_path) or root.startswith(f"{tmp_path}/")
    for check in (lambda: objects.check_paths(source, dest, rclone),
                  lambda: objects.check_manifest_path(tmp_path / (manifest.replace("/", "_") or "m"), source, dest,
                                                      rclone),
                  lambda: objects.local_unmovable(source, rclone) if walk else None):
        try:
            check()
        except InputError as exc:
            assert "\n" not in str(exc).strip() and "Traceback" not in str(exc), str(exc)
