"""The hashers of `hdhport migrate objects` (rclone hashsum, rclone cat into hashlib, rclone serve http) give
the same manifest and catch the same mismatches; the manifest's folder is created; the benchmark's
projection. Marked integration: needs the rclone binary (Debian package), starts no server."""
from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from bench.objects import _fit, project
from conftest import tree
from hdhport.migrate import manifest as manifests
from hdhport.migrate import objects
from hdhport.migrate.rclone import Listing, Rclone, RcloneError

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("require_rclone")]

FILES = {"a b/c d.txt": b"spaces", "accentu\u00e9/\u65e5\u672c 🚀.bin": bytes(range(256)), "#first": b"hash",
         "trailing ": b"t", "empty": b"", "big.bin": bytes(range(256)) * 8192, "mid.bin": b"m" * 5000}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return tree(tmp_path / "source", FILES)


def move(cli: Any, *args: str) -> Any:
    return cli("migrate", "objects", *args, "--format", "json")


@pytest.mark.parametrize(("hasher", "large"), [("rclone", objects.LARGE), ("rclone", 1000), ("stream", 0)])
def test_every_hasher_writes_the_same_manifest_and_verifies(cli: Any, source: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch, hasher: str,
                                                            large: int) -> None:
    monkeypatch.setattr(objects, "LARGE", large)  # 1000: big.bin and mid.bin go through rclone cat
    manifest = tmp_path / "m.jsonl"
    result = move(cli, str(source), str(tmp_path / "dest"), "--manifest", str(manifest), "--hasher", hasher,
                  "--jobs", "3")
    assert result.code == 0, result.out + result.err
    assert json.loads(result.out)["verified"] == len(FILES)
    expected = manifests.render(manifests.Entry(n, len(b), hashlib.sha256(b).hexdigest()) for n, b in FILES.items())
    assert manifest.read_bytes() == expected


@pytest.mark.parametrize("hasher", ["rclone", "stream"])
def test_every_hasher_catches_a_changed_object(cli: Any, source: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, hasher: str) -> None:
    monkeypatch.setattr(objects, "LARGE", 1000)
    dest, manifest = tmp_path / "dest", tmp_path / "m.jsonl"
    assert move(cli, str(source), str(dest), "--manifest", str(manifest)).code == 0
    big = bytearray((dest / "big.bin").read_bytes())
    big[-1] ^= 1  # same size, one bit off, in an object hashed through rclone cat
    (dest / "big.bin").write_bytes(bytes(big))
    (dest / "#first").write_bytes(b"HASH")  # and one through rclone hashsum
    result = cli("migrate", "verify", str(dest), "--manifest", str(manifest), "--hasher", hasher, "--format", "json")
    assert result.code == 1
    assert [(m["path"], m["kind"]) for m in json.loads(result.out)["mismatches"]] == [("#first", "sha256"),
                                                                                       ("big.bin", "sha256")]


def test_a_manifest_in_a_missing_folder_creates_it(cli: Any, source: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "not" / "yet" / "m.jsonl"
    result = move(cli, str(source), str(tmp_path / "dest"), "--manifest", str(manifest))
    assert result.code == 0, result.out + result.err
    assert manifest.is_file() and (manifest.parent / "m.jsonl.state.json").is_file()


def test_a_manifest_folder_that_cannot_be_made_is_bad_input(cli: Any, source: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(b"")
    result = move(cli, str(source), str(tmp_path / "dest"), "--manifest", str(tmp_path / "a-file" / "m.jsonl"))
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1, result.err
    assert "cannot create the manifest's folder" in result.err and "internal error" not in result.err
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("line", ["ERROR                                                             a",
                                  "UNSUPPORTED  a", "garbage"])
def test_hashsum_never_turns_an_unreadable_object_into_a_digest(tmp_path: Path, line: str) -> None:
    fake = tmp_path / "rclone"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' '{line}'\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(RcloneError, match="could not hash 1 object"):
        Rclone(binary=str(fake)).hashsum("remote:x", ["a"], tmp_path / "log", 2)


def test_hashsum_failure_is_an_error(tmp_path: Path) -> None:
    fake = tmp_path / "rclone"
    fake.write_text("#!/bin/sh\necho 'ERROR : boom' >&2\nexit 1\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(RcloneError, match="exited with 1: ERROR : boom"):
        Rclone(binary=str(fake)).hashsum("remote:x", ["a"], tmp_path / "log", 2)


def test_cat_of_a_missing_object_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RcloneError, match="rclone cat"):
        Rclone().cat_sha256(str(tmp_path), "nothing here", bytearray(1024))


def test_the_benchmark_fits_costs_and_projects_hours() -> None:
    per_object, per_byte = _fit((1000, 1000 * 4096, 1.0 + 1000 * 4096 * 1e-9), (4, 4 * 2**26, 0.004 + 4 * 2**26 * 1e-9))
    assert per_object == pytest.approx(1e-3) and per_byte == pytest.approx(1e-9)
    free = {k: (0.0, 0.0) for k in ("raw", "manifest", "copy", "verify")}
    link = project(free, 100, 10, 4)
    # Nothing but the link: two passes cross it (manifest, copy), each 100 TB at 7 Gbit/s = 31.75 h.
    assert link["raw_copy_hours"] == pytest.approx(31.75, abs=0.01)
    assert link["verified_hours"] == pytest.approx(63.49, abs=0.01) and link["passes_equivalent"] == 2.0


def test_a_remote_source_sends_its_large_objects_as_the_manifest_reads_them(cli: Any, source: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: from a remote (here rclone's `:local:` backend, a remote to hdhport), objects of LARGE bytes and
    more are read once, hashed and sent on (rclone cat into rclone rcat); rclone copy moves only the rest, and
    every object sent is read back at a destination whose store computes no digest of its own."""
    monkeypatch.setattr(objects, "LARGE", 1000)  # big.bin and mid.bin
    copied: list[str] = []
    copy = Rclone.copy

    def recording(self: Rclone, source: str, dest: str, paths: Any, *args: Any, **kwargs: Any) -> None:
        copied.extend(paths)
        copy(self, source, dest, paths, *args, **kwargs)

    monkeypatch.setattr(Rclone, "copy", recording)
    dest, manifest = tmp_path / "dest", tmp_path / "m.jsonl"
    result = move(cli, f":local:{source}", str(dest), "--manifest", str(manifest))
    assert result.code == 0, result.out + result.err
    summary = json.loads(result.out)
    assert (summary["verified"], summary["copied"]) == (len(FILES), len(FILES))
    assert sorted(copied) == sorted(n for n, b in FILES.items() if len(b) < 1000)
    assert "verifying 2 object(s) sent during the manifest" in result.err  # read back: no store digest here
    assert {n: (dest / n).read_bytes() for n in FILES} == FILES
    expected = manifests.render(manifests.Entry(n, len(b), hashlib.sha256(b).hexdigest()) for n, b in FILES.items())
    assert manifest.read_bytes() == expected


class _Store:
    """What Stream.proven asks of rclone: the listing of a store with the MD5 it reports for objects."""

    def __init__(self, md5s: dict[str, tuple[int, str]]) -> None:
        self.reported = md5s

    def stores_md5(self, path: str) -> bool:
        return True

    def list_md5(self, path: str) -> tuple[Listing, dict[str, str]]:
        sizes = {n: size for n, (size, _) in self.reported.items()}
        return Listing(sizes, True), {n: md5 for n, (_, md5) in self.reported.items()}


def test_only_a_store_md5_equal_to_the_bytes_sent_proves_an_object_else_it_is_read_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hdhport.migrate.rclone import Streamed

    bodies = {"good": b"g" * 10, "other": b"o" * 10, "unreported": b"u" * 10}
    sent = {n: Streamed(len(b), hashlib.sha256(b).hexdigest(), hashlib.md5(b).hexdigest(), True)
            for n, b in bodies.items()}
    store = _Store({"good": (10, sent["good"].md5), "other": (10, hashlib.md5(b"x" * 10).hexdigest())})
    stream = objects.Stream(store, "s3:bucket", tmp_path / "log")  # type: ignore[arg-type]
    stream.sent = dict(sent)
    stream.ask_store()
    read_back: list[str] = []

    def hash_objects(rclone: Any, remote: str, sizes: Any, paths: Any, **kwargs: Any) -> Any:
        read_back.extend(paths)
        return {p: objects.Hashed(10, sent[p].sha256) if p == "unreported" else None for p in paths}

    monkeypatch.setattr(objects, "hash_objects", hash_objects)
    entries = {n: manifests.Entry(n, 10, s.sha256) for n, s in sent.items()}
    assert stream.proven(entries, 2, lambda _: None) == {"good", "unreported"}
    assert sorted(read_back) == ["other", "unreported"]  # "other": the store's MD5 differs, read back, missing
