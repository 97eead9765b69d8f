"""Hostile input, migration half: every verification of `hdhport migrate objects` compares content, and a source
that moves on during or after a run is named, never reported "ok" (reliability review 2026-12-02, rows 3, 22, 24).
Needs the rclone binary (Debian package); starts no server."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from hdhport.migrate import manifest as manifests
from hdhport.migrate import objects
from hdhport.migrate.rclone import Rclone

pytestmark = pytest.mark.integration

FILES = {"plain.txt": b"version one\n", "sub/big5.bin": b"5" * 300_000, "keep.bin": b"k" * 4096}


@pytest.fixture(autouse=True)
def _rclone_installed() -> None:
    if shutil.which("rclone") is None:
        pytest.fail("rclone is missing: run `make system-deps` (Debian package rclone)")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    for name, body in FILES.items():
        (tmp_path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / name).write_bytes(body)
    return tmp_path / "src"


def objects_run(cli: Any, *args: str) -> tuple[int, dict[str, Any], str]:
    result = cli("migrate", "objects", *args, "--format", "json")
    return result.code, json.loads(result.out) if result.out.startswith("{") else {}, result.out + result.err


def test_resume_copies_a_same_size_change_and_updates_the_manifest(cli: Any, source: Path, tmp_path: Path) -> None:
    """Row 3: the cut-over's final delta. A source object changed without changing size, another added and one
    removed after a verified move; `--resume` copies and verifies the new content, and the manifest says so."""
    dest, manifest = tmp_path / "dst", tmp_path / "m.jsonl"
    code, first, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest))
    assert code == 0, text
    (source / "plain.txt").write_bytes(b"version TWO\n")  # same size, other content
    (source / "late.csv").write_bytes(b"a,b\n1,2\n")
    code, resumed, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest), "--resume")
    assert code == 0, text
    assert resumed["source_changes"] == {"added": 1, "changed": 1}
    assert (resumed["copied"], resumed["verified"], resumed["objects"]) == (2, 4, 4)
    assert (dest / "plain.txt").read_bytes() == b"version TWO\n" and (dest / "late.csv").exists()
    entries = manifests.read(manifest).by_path()
    assert entries["plain.txt"].sha256 == hashlib.sha256(b"version TWO\n").hexdigest()
    assert resumed["manifest_sha256"] == hashlib.sha256(manifest.read_bytes()).hexdigest() != first["manifest_sha256"]
    verify = cli("migrate", "verify", str(dest), "--manifest", str(manifest))
    assert verify.code == 0, verify.out
    # An object removed at the source is not removed at the destination (hdhport never deletes): named.
    (source / "keep.bin").unlink()
    code, removed, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest), "--resume")
    assert code == 1 and removed["source_changes"] == {"removed": 1}
    assert [(m["path"], m["kind"]) for m in removed["mismatches"]] == [("keep.bin", "unexpected")]


def test_a_file_added_during_the_run_is_named_not_ok(cli: Any, source: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 22: a file written to the source during the copy phase is reported (the source is listed again at the
    end), exit 1, and the next `--resume` moves it."""
    copy = Rclone.copy

    def copy_then_write(self: Rclone, *args: Any, **kwargs: Any) -> None:
        copy(self, *args, **kwargs)
        (source / "new-during-copy.csv").write_bytes(b"x,y\n")

    monkeypatch.setattr(Rclone, "copy", copy_then_write)
    dest, manifest = tmp_path / "dst", tmp_path / "m.jsonl"
    code, summary, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest))
    assert code == 1, text
    assert summary["failure"].startswith("the source changed during the run: 1 added (e.g. 'new-during-copy.csv')")
    assert "--resume" in summary["failure"]
    monkeypatch.setattr(Rclone, "copy", copy)
    code, resumed, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest), "--resume")
    assert code == 0 and resumed["copied"] == 1 and (dest / "new-during-copy.csv").exists(), text


def test_a_same_size_change_during_the_copy_says_the_source_changed(cli: Any, source: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 24 (a repeated SHA256 mismatch with no hint): an object changed at the source, same size, after the
    manifest and before the copy; the run names it as changed at the source and points to --resume."""
    copy = Rclone.copy

    def change_then_copy(self: Rclone, *args: Any, **kwargs: Any) -> None:
        (source / "sub" / "big5.bin").write_bytes(b"6" * 300_000)
        copy(self, *args, **kwargs)

    monkeypatch.setattr(Rclone, "copy", change_then_copy)
    dest, manifest = tmp_path / "dst", tmp_path / "m.jsonl"
    code, summary, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest))
    assert code == 1, text
    assert [(m["path"], m["kind"]) for m in summary["mismatches"]] == [("sub/big5.bin", "sha256")]
    assert "the source changed during the run: 1 changed (e.g. 'sub/big5.bin')" in summary["failure"]
    monkeypatch.setattr(Rclone, "copy", copy)
    code, resumed, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest), "--resume")
    assert code == 0 and resumed["source_changes"] == {"changed": 1}, text
    assert (dest / "sub" / "big5.bin").read_bytes() == b"6" * 300_000


def test_resume_reads_the_source_even_when_every_size_is_the_same(source: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 3, at the function: `--resume` hashes the whole source again (sizes alone never decide)."""
    dest, manifest = tmp_path / "dst", tmp_path / "m.jsonl"
    assert objects.move(str(source), str(dest), manifest, rclone=Rclone()).ok
    hashed: list[str] = []
    original = objects.hash_objects

    def spy(rclone: Rclone, remote: str, sizes: dict[str, int], paths: Any, **kwargs: Any) -> Any:
        paths = list(paths)
        if remote == str(source):
            hashed.extend(paths)
        return original(rclone, remote, sizes, paths, **kwargs)

    monkeypatch.setattr(objects, "hash_objects", spy)
    summary = objects.move(str(source), str(dest), manifest, rclone=Rclone(), resume=True)
    assert summary.ok and sorted(hashed) == sorted(FILES)
