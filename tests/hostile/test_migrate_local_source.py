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

from conftest import tree

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("require_rclone")]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return tree(tmp_path / "src", {"plain.txt": b"plain\n", "sub/data.bin": b"d" * 1000})


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


REMOTES = """[into-src]
type = alias
remote = {base}/src

[alias-of-alias]
type = alias
remote = into-src:sub

[loc]
type = local

[elsewhere]
type = alias
remote = {base}/elsewhere
"""


@pytest.mark.parametrize(("source", "dest"), [
    ("{base}/src", ":local:{base}/src/sub"), ("{base}/src", ":local,copy_links=true:{base}/src/copy"),
    ("{base}/src", "into-src:copy"), ("{base}/src", "alias-of-alias:"), ("{base}/src", "loc:{base}/src/copy"),
    ("{base}/src", "into-src,remote={base}:src/copy"), ("{base}/src", ":alias,remote={base}/src:copy"),
    ("{base}/src", "from-env:copy"), ("into-src:", "{base}/src/copy"), ("{base}/src/sub", "into-src:"),
    ("into-src:", "{base}/src"), (":local:{base}/src", "loc:{base}/src"),
])
def test_the_overlap_check_follows_local_and_alias_remotes(cli: Any, source: str, tmp_path: Path, dest: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: rclone's on-the-fly `:local:` path, a remote of type `local` and an `alias` remote (of the
    configuration file, of RCLONE_CONFIG_* variables, an alias of an alias) lead into the source: refused like
    the plain path, in one line, before anything is read or written."""
    tree(tmp_path / "src", {"plain.txt": b"plain\n", "sub/data.bin": b"d" * 1000})
    (tmp_path / "rclone.conf").write_text(REMOTES.format(base=tmp_path), encoding="utf-8")
    monkeypatch.setenv("RCLONE_CONFIG_FROM_ENV_TYPE", "alias")
    monkeypatch.setenv("RCLONE_CONFIG_FROM_ENV_REMOTE", str(tmp_path / "src"))
    result = cli("migrate", "objects", source.format(base=tmp_path), dest.format(base=tmp_path), "--manifest",
                 str(tmp_path / "m.jsonl"), "--rclone-config", str(tmp_path / "rclone.conf"))
    assert result.code == 2 and "overlaps the source" in one_line(result) and result.out == ""
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == ["plain.txt", "sub"]
    assert sorted(p.name for p in (tmp_path / "src" / "sub").iterdir()) == ["data.bin"]
    assert not (tmp_path / "m.jsonl").exists()


def test_an_alias_elsewhere_is_moved_to_and_a_manifest_in_a_local_remote_source_is_refused(
        cli: Any, source: Path, tmp_path: Path) -> None:
    """Issue 17, both ways: an alias that leads outside the source is a destination like any other; a manifest
    inside a source given as `:local:` or through an alias would modify it."""
    (tmp_path / "rclone.conf").write_text(REMOTES.format(base=tmp_path), encoding="utf-8")
    config = ["--rclone-config", str(tmp_path / "rclone.conf")]
    moved = cli("migrate", "objects", str(source), "elsewhere:copy", "--manifest", str(tmp_path / "m.jsonl"), *config)
    assert moved.code == 0 and moved.out.splitlines()[-1] == "ok: every object verified", moved.out + moved.err
    assert (tmp_path / "elsewhere" / "copy" / "sub" / "data.bin").read_bytes() == b"d" * 1000
    for spelling in (f":local:{source}", "into-src:"):
        refused = cli("migrate", "objects", spelling, str(tmp_path / "dst"), "--manifest", str(source / "m.jsonl"),
                      *config)
        assert refused.code == 2 and "the manifest would be written inside the source" in one_line(refused)
    assert sorted(p.name for p in source.iterdir()) == ["plain.txt", "sub"]


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
        use = "read" if args[0] == "verify" else "write"  # verify reads the manifest; objects writes it
        assert done.stderr.strip() == (f"{tmp_path / 'fifo'}:1:1: not a regular file: it is a FIFO; --manifest "
                                       f"names the manifest file to {use}, its state and log beside it")


@pytest.mark.parametrize(("manifest", "kind"), [("{base}/a-dir", "a directory"), ("/dev/null", "a character device")])
def test_a_manifest_that_is_not_a_file_is_named_for_what_it_is(cli: Any, source: Path, tmp_path: Path, manifest: str,
                                                               kind: str) -> None:
    """Row 24: a directory or /dev/null as --manifest was "a manifest of an earlier run is here"."""
    (tmp_path / "a-dir").mkdir()
    path = manifest.format(base=tmp_path)
    result = cli("migrate", "objects", str(source), str(tmp_path / "dst"), "--manifest", path)
    assert result.code == 2 and one_line(result) == (f"{path}:1:1: not a regular file: it is {kind}; --manifest "
                                                     "names the manifest file to write, its state and log beside it")


def without_privilege() -> list[str]:
    """A command prefix under which a file's permissions hold: root's override of them is dropped (as the review
    did), through util-linux's setpriv."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: an unreadable file cannot be made")
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-all"]


@pytest.mark.parametrize(("make", "message"), [
    ("directory", "{path}:1:1: not a regular file: it is a directory; --manifest names the manifest file to read, "
                  "its state and log beside it"),
    ("unreadable", "{path}:1:1: cannot read the manifest: Permission denied"),
    ("closed-folder", "{path}:1:1: cannot read the manifest: Permission denied"),
])
def test_verify_says_it_reads_the_manifest(cli: Any, source: Path, tmp_path: Path, make: str, message: str) -> None:
    """Issue 17: `migrate verify --manifest` named with a directory, a file it may not read or a file in a
    folder it may not enter said the manifest could not be opened "to write"; verify reads it."""
    manifest = tmp_path / "run" / "m.jsonl"
    assert cli("migrate", "objects", str(source), str(tmp_path / "dst"), "--manifest", str(manifest)).code == 0
    if make == "directory":
        manifest = tmp_path / "a-dir"
        manifest.mkdir()
    elif make == "unreadable":
        manifest.chmod(0)
    else:
        manifest.parent.chmod(0)
    try:
        done = subprocess.run([*without_privilege(), sys.executable, "-c", "from hdhport.cli import run; run()",
                               "migrate", "verify", str(tmp_path / "dst"), "--manifest", str(manifest)],
                              capture_output=True, text=True, timeout=60)
    finally:
        (tmp_path / "run").chmod(0o700)
        (tmp_path / "run" / "m.jsonl").chmod(0o600)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", message.format(path=manifest) + "\n")


def test_a_name_that_is_not_utf8_is_refused_for_what_it_is(cli: Any, source: Path, tmp_path: Path) -> None:
    """Row 24: `bad-\\xff-name.bin` was reported as having "disappeared from the source while hashing"."""
    Path(os.fsdecode(os.fsencode(source) + b"/bad-\xff-name.bin")).write_bytes(b"x")
    result = cli("migrate", "objects", str(source), str(tmp_path / "dst"), "--manifest", str(tmp_path / "m.jsonl"))
    assert result.code == 2 and one_line(result) == ("SOURCE: 'bad-\\\\xff-name.bin' is not a UTF-8 name: rclone "
                                                     "would copy it under another name; rename it first")
    assert not (tmp_path / "dst").exists()
