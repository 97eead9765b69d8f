"""Hostile input, migration half: every verification of `hdhport migrate objects` compares content, and a source
that moves on during or after a run is named, never reported "ok" (reliability review 2026-12-02, rows 3, 22, 24).
Needs the rclone binary (Debian package); starts no server."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import tree
from hdhport.migrate import manifest as manifests
from hdhport.migrate import objects
from hdhport.migrate.rclone import Rclone

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("require_rclone")]

FILES = {"plain.txt": b"version one\n", "sub/big5.bin": b"5" * 300_000, "keep.bin": b"k" * 4096}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return tree(tmp_path / "src", FILES)


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
    hashed = _hashed_on(str(source), monkeypatch)
    summary = objects.move(str(source), str(dest), manifest, rclone=Rclone(), resume=True)
    assert summary.ok and sorted(hashed) == sorted(FILES)


def _hashed_on(remote: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths hdhport hashes on `remote` from now on (a spy on objects.hash_objects), in the order asked."""
    hashed: list[str] = []
    original = objects.hash_objects

    def spy(rclone: Rclone, where: str, sizes: dict[str, int], paths: Any, **kwargs: Any) -> Any:
        paths = list(paths)
        if where == remote:
            hashed.extend(paths)
        return original(rclone, where, sizes, paths, **kwargs)

    monkeypatch.setattr(objects, "hash_objects", spy)
    return hashed


def test_a_repeated_resume_reads_the_destination_again(cli: Any, source: Path, tmp_path: Path) -> None:
    """Issue 17: the cut-over relies on the last `--resume`, which reported "verified" from the state file
    without reading the destination. An object altered there after a verified move (same size, other bytes) is
    found, copied again from the source (the source is the truth) and verified; every object is read back."""
    dest, manifest = tmp_path / "dst", tmp_path / "m.jsonl"
    code, _, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest))
    assert code == 0, text
    (dest / "sub" / "big5.bin").write_bytes(b"X" * 300_000)  # same size, other bytes
    code, resumed, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest), "--resume")
    assert code == 0, text
    assert (resumed["altered"], resumed["copied"], resumed["already_there"]) == (["sub/big5.bin"], 1, 2)
    assert (resumed["verified"], resumed["mismatches"], resumed["source_changes"]) == (3, [], {})
    assert (dest / "sub" / "big5.bin").read_bytes() == FILES["sub/big5.bin"]
    state = json.loads((tmp_path / "m.jsonl.state.json").read_text(encoding="utf-8"))
    assert state["runs"][-1]["altered"] == 1 and sorted(state["verified"]) == sorted(FILES)
    # Nothing altered: nothing copied, yet every object is read back, and the text says what was found.
    (dest / "keep.bin").write_bytes(b"K" * 4096)
    again = cli("migrate", "objects", str(source), str(dest), "--manifest", str(manifest), "--resume")
    assert again.code == 0, again.out + again.err
    assert ("altered     1 object(s) an earlier run verified were missing or different at the destination "
            "(e.g. 'keep.bin'): copied again from the source") in again.out.splitlines()
    assert (dest / "keep.bin").read_bytes() == FILES["keep.bin"]
    code, last, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest), "--resume")
    assert code == 0 and (last["altered"], last["copied"], last["already_there"]) == ([], 0, 3), text


def test_resume_reads_back_what_the_state_says_is_verified(source: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17, at the function: a `--resume` with nothing to copy still hashes every object at the
    destination, each once."""
    dest, manifest = tmp_path / "dst", tmp_path / "m.jsonl"
    assert objects.move(str(source), str(dest), manifest, rclone=Rclone()).ok
    read_back = _hashed_on(str(dest), monkeypatch)
    summary = objects.move(str(source), str(dest), manifest, rclone=Rclone(), resume=True)
    assert summary.ok and summary.copied == 0 and sorted(read_back) == sorted(FILES)


def test_an_object_removed_at_the_source_is_named_with_what_to_do(cli: Any, source: Path, tmp_path: Path) -> None:
    """Issue 17: a source file deleted between a run and `--resume` ended in NOT VERIFIED with no hint. The
    summary names it as removed at the source, says the manifest no longer lists it, that hdhport never deletes,
    and what to do; once it is deleted at the destination, the next `--resume` is ok."""
    dest, manifest = tmp_path / "dst", tmp_path / "m.jsonl"
    assert cli("migrate", "objects", str(source), str(dest), "--manifest", str(manifest)).code == 0
    (source / "keep.bin").unlink()
    result = cli("migrate", "objects", str(source), str(dest), "--manifest", str(manifest), "--resume")
    assert result.code == 1, result.out + result.err
    lines = result.out.splitlines()
    assert "delta       1 removed (e.g. 'keep.bin') at the source since the previous manifest" in lines
    assert ("UNEXPECTED 'keep.bin': at the destination (4096 bytes), removed at the source since the previous "
            "manifest") in lines
    assert ("FAILED: 1 object(s) removed at the source since the previous manifest are still at the destination, "
            "e.g. 'keep.bin': the manifest, made again on --resume, no longer lists them and hdhport never deletes; "
            "delete them at the destination to carry the removal over (or restore them at the source), then run "
            "--resume again") in lines
    assert lines[-1] == "NOT VERIFIED" and "keep.bin" not in {e.path for e in manifests.read(manifest).entries}
    (dest / "keep.bin").unlink()
    code, after, text = objects_run(cli, str(source), str(dest), "--manifest", str(manifest), "--resume")
    assert code == 0 and after["verified"] == after["objects"] == 2 and after["failure"] is None, text
