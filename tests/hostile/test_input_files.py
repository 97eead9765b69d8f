"""Hostile input, the files given: a FIFO or a device is refused at once and a bad --profiles-dir is an error
(review 2026-12-02, rows 12 and 13)."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from hdhport import paths


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A FIFO nobody writes to: reading it would wait forever. A watchdog opens its write end after 20 s so a
    regression fails the test instead of hanging the suite."""
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)
    done = threading.Event()

    def unblock() -> None:
        if not done.wait(20):
            with open(path, "wb"):
                pass

    watchdog = threading.Thread(target=unblock, daemon=True)
    watchdog.start()
    yield path
    done.set()
    watchdog.join()


@pytest.mark.parametrize("argv", [
    ["validate", "{fifo}"],
    ["--catalog", "{fifo}", "validate"],
    ["profile", "list", "{fifo}"],
    ["diff", "{fifo}"],
    ["diff", "scaleway", "--weights", "{fifo}"],
    ["--catalog", "{fifo}", "catalog", "list"],
    ["validate", "/dev/zero"],
])
def test_a_fifo_or_a_device_is_not_a_regular_file(cli: Any, fifo: Path, argv: list[str]) -> None:
    """Row 12: `validate FIFO` hung until killed; now exit 2, one line, at once."""
    result = cli(*(a.format(fifo=fifo) for a in argv))
    assert result.code == 2 and result.out == "", result.err
    name = "/dev/zero" if "/dev/zero" in argv else str(fifo)
    assert result.err == f"{name}:1:1: not a regular file (a FIFO, device or socket); give a file\n"


def test_a_missing_profiles_dir_is_an_error(cli: Any, tmp_path: Path) -> None:
    """Row 13: `--profiles-dir /nonexistent validate` said "ok ... 0 profile(s)" with exit 0."""
    missing = tmp_path / "nonexistent"
    for argv in (["validate"], ["profile", "list"], ["diff", "--all"]):
        result = cli("--profiles-dir", str(missing), *argv)
        assert (result.code, result.out, result.err) == (2, "", f"--profiles-dir: {missing}: no such directory\n")


def test_a_file_as_profiles_dir_is_an_error(cli: Any) -> None:
    """Row 13: `--profiles-dir ok-profile.yaml` (a file) validated nothing, exit 0."""
    a_file = DATA / "mini_profile.yaml"
    result = cli("--profiles-dir", str(a_file), "validate")
    assert (result.code, result.err) == (2, f"--profiles-dir: {a_file}: not a directory\n")


def test_an_unreadable_profiles_dir_is_an_error(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 13: an unreadable directory validated nothing, exit 0. (Root ignores permissions: the refusal of
    the operating system is simulated where the test runs as root.)"""
    closed = tmp_path / "closed"
    closed.mkdir()
    closed.chmod(0)
    if os.geteuid() == 0:
        real = os.scandir

        def refuse(path: Any = ".") -> Any:
            if Path(path) == closed:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(paths.os, "scandir", refuse)
    result = cli("--profiles-dir", str(closed), "validate")
    closed.chmod(0o700)
    assert (result.code, result.err) == (2, f"--profiles-dir: {closed}: cannot read directory: Permission denied\n")


def test_an_empty_profiles_dir_validates_the_catalogue_alone(cli: Any, tmp_path: Path) -> None:
    """Row 13, what still holds: an existing, empty directory is a deliberate choice."""
    result = cli("--catalog", str(DATA / "mini_catalog.yaml"), "--profiles-dir", str(tmp_path), "validate")
    assert (result.code, result.err) == (0, "") and "0 profile(s)" in result.out
