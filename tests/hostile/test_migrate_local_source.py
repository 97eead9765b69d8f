"""Hostile input, migration half: a local source's symbolic links, FIFOs and non-UTF-8 names are named, never
skipped as "ok"; the overlap check resolves paths as the kernel does; the manifest is never written into the
source; a --manifest that is a FIFO, a directory or a device is refused at once (reliability review 2026-12-02,
rows 9, 10, 12 and 24). Needs the rclone binary; starts no server."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _rclone_installed() -> None:
    if shutil.which("rclone") is None:
        pytest.fail("rclone is missing: run `make system-deps` (Debian package rclone)")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "sub").mkdir(parents=True)
    (root / "plain.txt").write_bytes(b"plain\n")
    (root / "sub" / "data.bin").write_bytes(b"d" * 1000)
    return root


def one_line(result: Any) -> str:
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err, result.err
    return str(result.err.strip())


def test_symlinks_and_fifos_are_reported_as_not_moved(cli: Any, source: Path, tmp_path: Path) -> None:
    """Row 9: a link inside the source, a link outside it and a FIFO: exit 1, each named, never "ok"."""
    (source / "link-inside").symlink_to("plain.txt")
    (source / "sub" / "link-outside").symlink_to("/etc/hostname")
    os.mkfifo(source / "fifo")
    result = cli("migrate", "objects", str(source), str(tmp_path / "dst"), "--manifest", str(tmp_path / "m.jsonl"),
                 "--format", "json")
    assert result.code == 1, result.out + result.err
    summary = json.loads(result.out)
    assert summary["not_moved"] == [{"path": "fifo", "kind": "a FIFO"},
                                    {"path": "link-inside", "kind": "a symbolic link"},
                                    {"path": "sub/link-outside", "kind": "a symbolic link"}]
    assert summary["failure"] == "3 entries of the source not moved: not regular files, e.g. 'fifo' (a FIFO)"
    assert summary["verified"] == summary["objects"] == 2 and not summary["ok"]
    text = cli("migrate", "objects", str(source), str(tmp_path / "dst"), "--manifest", str(tmp_path / "m.jsonl"),
               "--resume")
    assert text.code == 1 and "NOT MOVED  'link-inside': a symbolic link, which rclone does not copy" in text.out
    assert text.out.splitlines()[-1] == "NOT VERIFIED"


@pytest.mark.parametrize("spelling", ["{base}//src/copy", "{base}/./src/copy", "{base}/link-to-src/copy",
                                      "{base}/src/../src/copy"])
def test_the_overlap_check_resolves_the_real_paths(cli: Any, source: Path, tmp_path: Path, spelling: str) -> None:
    """Row 10: `//`, `/./`, `..` and a symbolic link to the source are the source; refused, nothing written."""
    (tmp_path / "link-to-src").symlink_to(source)
    dest = spelling.format(base=tmp_path)
    result = cli("migrate", "objects", str(source), dest, "--manifest", str(tmp_path / "m.jsonl"))
    assert result.code == 2 and "overlaps the source" in one_line(result)
    assert sorted(p.name for p in source.iterdir()) == ["plain.txt", "sub"] and not (tmp_path / "m.jsonl").exists()


@pytest.mark.parametrize("where", ["src/m6.jsonl", "src/sub/deep/m.jsonl", "link-to-src/m.jsonl", "dst/m.jsonl"])
def test_the_manifest_is_never_written_into_the_source(cli: Any, source: Path, tmp_path: Path, where: str) -> None:
    """Row 10: the manifest, its state file and log would modify the source (or be unexpected objects at the
    destination)."""
    (tmp_path / "link-to-src").symlink_to(source)
    result = cli("migrate", "objects", str(source), str(tmp_path / "dst"), "--manifest", str(tmp_path / where))
    assert result.code == 2 and "the manifest would be written inside the" in one_line(result)
    assert sorted(p.name for p in source.iterdir()) == ["plain.txt", "sub"]


def test_a_fifo_as_manifest_is_refused_at_once(source: Path, tmp_path: Path) -> None:
    """Row 12: `migrate verify DIR --manifest FIFO` and `migrate objects --manifest FIFO --resume` hung forever."""
    os.mkfifo(tmp_path / "fifo")
    for args in (["verify", str(source), "--manifest", str(tmp_path / "fifo")],
                 ["objects", str(source), str(tmp_path / "dst"), "--manifest", str(tmp_path / "fifo"), "--resume"],
                 ["objects", str(source), str(tmp_path / "dst"), "--manifest", str(tmp_path / "fifo")]):
        done = subprocess.run([sys.executable, "-c", "from hdhport.cli import run; run()", "migrate", *args],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip() == (f"{tmp_path / 'fifo'}:1:1: not a regular file: it is a FIFO; --manifest "
                                       "names the manifest file to write, its state and log beside it")


@pytest.mark.parametrize(("manifest", "kind"), [("{base}/a-dir", "a directory"), ("/dev/null", "a character device")])
def test_a_manifest_that_is_not_a_file_is_named_for_what_it_is(cli: Any, source: Path, tmp_path: Path, manifest: str,
                                                               kind: str) -> None:
    """Row 24: a directory or /dev/null as --manifest was "a manifest of an earlier run is here"."""
    (tmp_path / "a-dir").mkdir()
    path = manifest.format(base=tmp_path)
    result = cli("migrate", "objects", str(source), str(tmp_path / "dst"), "--manifest", path)
    assert result.code == 2 and one_line(result) == (f"{path}:1:1: not a regular file: it is {kind}; --manifest "
                                                     "names the manifest file to write, its state and log beside it")


def test_a_name_that_is_not_utf8_is_refused_for_what_it_is(cli: Any, source: Path, tmp_path: Path) -> None:
    """Row 24: `bad-\\xff-name.bin` was reported as having "disappeared from the source while hashing"."""
    Path(os.fsdecode(os.fsencode(source) + b"/bad-\xff-name.bin")).write_bytes(b"x")
    result = cli("migrate", "objects", str(source), str(tmp_path / "dst"), "--manifest", str(tmp_path / "m.jsonl"))
    assert result.code == 2 and one_line(result) == ("SOURCE:1:1: 'bad-\\\\xff-name.bin' is not a UTF-8 name: rclone "
                                                     "would copy it under another name; rename it first")
    assert not (tmp_path / "dst").exists()
