"""`hdhport migrate objects` and `verify` through the real rclone, on local directories (rclone's local
backend): every mismatch kind, resuming, and each bad input's one-line message and exit 2. Marked
integration because it needs the rclone binary (Debian package), but it starts no server.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, tree
from hdhport.migrate import manifest as manifests

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("require_rclone")]

NAMES = {"a b/c d.txt": b"spaces", "accentué/日本語 🚀.bin": bytes(range(256)), "#first": b"hash", ";semi": b"semi",
         "trailing ": b"trailing space", "sub/one": b"1", "sub/two": b"22", "empty": b"",
         "big.bin": bytes(range(256)) * 4096}


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return tree(tmp_path / "source", NAMES)


def run(cli: Any, *args: str) -> Result:
    result: Result = cli("migrate", *args)
    return result


def as_json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.out)
    return data


def test_a_move_copies_verifies_and_leaves_the_source_as_it_was(cli: Any, source: Path, tmp_path: Path) -> None:
    before, manifest = snapshot(source), tmp_path / "m.jsonl"
    result = run(cli, "objects", str(source), str(tmp_path / "dest"), "--manifest", str(manifest), "--format", "json")
    assert result.code == 0, result.out + result.err
    summary = as_json(result)
    assert (summary["objects"], summary["verified"], summary["copied"], summary["mismatches"]) == (len(NAMES),
                                                                                                 len(NAMES),
                                                                                                 len(NAMES), [])
    assert summary["bytes"] == sum(len(b) for b in NAMES.values())
    assert {e.path: e.sha256 for e in manifests.read(manifest).entries} == {
        n: hashlib.sha256(b).hexdigest() for n, b in NAMES.items()}
    assert summary["manifest_sha256"] == hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert snapshot(tmp_path / "dest") == before == snapshot(source)
    assert (tmp_path / "m.jsonl.state.json").exists() and (tmp_path / "m.jsonl.rclone.log").exists()


def test_verify_names_every_kind_of_mismatch(cli: Any, source: Path, tmp_path: Path) -> None:
    dest, manifest = tmp_path / "dest", tmp_path / "m.jsonl"
    assert run(cli, "objects", str(source), str(dest), "--manifest", str(manifest)).code == 0
    (dest / "a b" / "c d.txt").write_bytes(b"SPACES")  # same size, other bytes
    (dest / "sub" / "two").write_bytes(b"222")  # other size
    (dest / "#first").unlink()
    (dest / "stray.tmp").write_bytes(b"left behind")
    result = run(cli, "verify", str(dest), "--manifest", str(manifest))
    assert result.code == 1
    lines = result.out.splitlines()
    assert "MISSING    '#first': in the manifest (4 bytes), absent at the destination" in lines
    assert "SIZE       'sub/two': expected 2 bytes, found 3 bytes" in lines
    assert (f"SHA256     'a b/c d.txt': expected {hashlib.sha256(b'spaces').hexdigest()}, found "
            f"{hashlib.sha256(b'SPACES').hexdigest()}") in lines
    assert "UNEXPECTED 'stray.tmp': at the destination (11 bytes), not in the manifest" in lines
    assert "mismatches  4" in lines and lines[-1] == "NOT VERIFIED"


def test_an_interrupted_copy_resumes_without_copying_what_arrived(cli: Any, source: Path, tmp_path: Path) -> None:
    dest, manifest = tmp_path / "dest", tmp_path / "m.jsonl"
    dest.mkdir()
    (dest / "sub").write_bytes(b"a file where the source has a folder")  # every object under sub/ fails
    failed = run(cli, "objects", str(source), str(dest), "--manifest", str(manifest), "--format", "json")
    assert failed.code == 1
    first = as_json(failed)
    assert "re-run with --resume" in first["failure"] and first["copied"] == 0
    (dest / "sub").unlink()
    resumed = run(cli, "objects", str(source), str(dest), "--manifest", str(manifest), "--resume", "--format", "json")
    assert resumed.code == 0, resumed.out + resumed.err
    second = as_json(resumed)
    # Everything but sub/ arrived in the failed run: checked and kept, not copied again.
    assert (second["already_there"], second["copied"], second["verified"]) == (len(NAMES) - 2, 2, len(NAMES))
    state = json.loads((tmp_path / "m.jsonl.state.json").read_text(encoding="utf-8"))
    assert [r["ok"] for r in state["runs"]] == [False, True] and len(state["verified"]) == len(NAMES)
    again = run(cli, "objects", str(source), str(dest), "--manifest", str(manifest), "--resume", "--format", "json")
    # Nothing to copy, but every object is read back again: a --resume never reports the state's word for it.
    assert again.code == 0 and (as_json(again)["copied"], as_json(again)["already_there"]) == (0, len(NAMES))


def test_resume_moves_what_the_source_gained_since_the_manifest(cli: Any, source: Path, tmp_path: Path) -> None:
    dest, manifest = tmp_path / "dest", tmp_path / "m.jsonl"
    assert run(cli, "objects", str(source), str(dest), "--manifest", str(manifest)).code == 0
    (source / "new object").write_bytes(b"arrived later")
    result = run(cli, "objects", str(source), str(dest), "--manifest", str(manifest), "--resume", "--format", "json")
    assert result.code == 0, result.out + result.err
    summary = as_json(result)
    assert (summary["source_changes"], summary["copied"], summary["verified"]) == ({"added": 1}, 1, len(NAMES) + 1)
    assert "new object" in {e.path for e in manifests.read(manifest).entries}
    assert (dest / "new object").read_bytes() == b"arrived later"


@pytest.mark.parametrize(("setup", "args", "message"), [
    ("manifest", [], "a manifest of an earlier run is here: pass --resume to continue it"),
    ("", ["--resume"], "nothing to resume: no manifest and state file here"),
    ("", ["--rclone-config", "/nonexistent/rclone.conf"], "/nonexistent/rclone.conf:1:1: rclone configuration file "
                                                          "not found"),
])
def test_bad_input_exits_2_in_one_line(cli: Any, source: Path, tmp_path: Path, setup: str, args: list[str],
                                       message: str) -> None:
    manifest = tmp_path / "m.jsonl"
    if setup:
        manifest.write_text("", encoding="utf-8")
    result = run(cli, "objects", str(source), str(tmp_path / "dest"), "--manifest", str(manifest), *args)
    assert result.code == 2 and message in result.err and len(result.err.strip().splitlines()) == 1, result.err


def test_overlapping_source_and_destination_are_refused(cli: Any, source: Path, tmp_path: Path) -> None:
    result = run(cli, "objects", str(source), str(source / "inside"), "--manifest", str(tmp_path / "m.jsonl"))
    assert result.code == 2 and "overlaps the source" in result.err


def test_an_unknown_remote_lists_the_configured_ones(cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "rclone.conf"
    config.write_text("[azure]\ntype = local\n\n[swift]\ntype = local\n", encoding="utf-8")
    result = run(cli, "objects", "azure:/tmp/x", "swfit:container", "--manifest", str(tmp_path / "m.jsonl"),
                 "--rclone-config", str(config))
    assert result.code == 2
    assert result.err.strip() == (f"DEST: unknown rclone remote 'swfit:' in 'swfit:container' (configured in "
                                  f"{config}: azure:, swift:)")


def test_a_missing_source_is_bad_input(cli: Any, tmp_path: Path) -> None:
    missing = run(cli, "objects", str(tmp_path / "nowhere"), str(tmp_path / "d"), "--manifest", str(tmp_path / "a"))
    assert missing.code == 2 and missing.err.strip().endswith("does not exist")


def test_control_characters_in_names_travel_in_rclone_s_encoding(cli: Any, tmp_path: Path) -> None:
    # rclone lists a line feed in a name as U+240A and writes it back as a line feed: the manifest holds
    # rclone's logical name, the same on every backend that encodes control characters (all object stores).
    odd = tree(tmp_path / "odd", {"line\nbreak": b"x"})
    result = run(cli, "objects", str(odd), str(tmp_path / "d"), "--manifest", str(tmp_path / "m"))
    assert result.code == 0, result.out + result.err
    assert [e.path for e in manifests.read(tmp_path / "m").entries] == ["line\u240abreak"]
    assert (tmp_path / "d" / "line\nbreak").read_bytes() == b"x"


def test_resume_must_name_the_same_destination(cli: Any, source: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "m.jsonl"
    assert run(cli, "objects", str(source), str(tmp_path / "one"), "--manifest", str(manifest)).code == 0
    result = run(cli, "objects", str(source), str(tmp_path / "two"), "--manifest", str(manifest), "--resume")
    assert result.code == 2 and "resume it with the same SOURCE and DEST" in result.err
