"""Hostile input, output paths: checked before the work, written atomically, never over an input; one line, exit 2
(review 2026-12-02, row 14)."""
from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, own_project
from hdhport import outputs, paths


def _refused(result: Any, path: Path, message: str) -> None:
    assert result.code == 2 and result.out == "", (result.code, result.out, result.err)
    assert result.err == f"{path}:1:1: {message}\n"


def test_plan_out_on_a_file_is_refused_before_planning(cli: Any, tmp_path: Path) -> None:
    """Row 14: `plan --out existing-file` was an internal FileExistsError (exit 1) after the whole plan."""
    existing = tmp_path / "existing-out.txt"
    existing.write_text("keep me\n")
    started = time.perf_counter()
    result = cli("plan", "--profile", "ovhcloud-public-cloud", "--out", str(existing))
    assert time.perf_counter() - started < 5
    _refused(result, existing, "--out: not a directory; give a directory to write into")
    assert existing.read_text() == "keep me\n"


def test_plan_out_under_a_file_is_refused(cli: Any, tmp_path: Path) -> None:
    """Row 14: a path through a file cannot become a directory."""
    existing = tmp_path / "existing.txt"
    existing.write_text("x")
    result = cli("plan", "--profile", "ovhcloud-public-cloud", "--out", str(existing / "plan"))
    _refused(result, existing / "plan", f"--out: {existing} is not a directory")


def test_plan_out_never_replaces_the_stack_file(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 14: an output directory holding an input under an output's name is refused."""
    own_project(monkeypatch, tmp_path)
    stack = (DATA.parent.parent / "Pulumi.ovhcloud-public-cloud.yaml").read_text(encoding="utf-8")
    (tmp_path / "Pulumi.ev-out.yaml").write_text(stack, encoding="utf-8")
    (tmp_path / "plan.md").symlink_to(tmp_path / "Pulumi.ev-out.yaml")
    result = cli("plan", "--stack", "ev-out", "--out", str(tmp_path))
    _refused(result, tmp_path / "plan.md", "--out: is an input of this command "
                                           f"({tmp_path / 'Pulumi.ev-out.yaml'}); write the output elsewhere")


@pytest.mark.parametrize("flag", ["--junit", "--sarif"])
def test_check_reports_are_checked_before_the_gate(cli: Any, tmp_path: Path, flag: str) -> None:
    """Row 14: `check --junit /some-dir` and `--junit existing.txt/j.xml` failed with internal errors after the
    whole gate ran; `--sarif` over the catalogue would have replaced it."""
    started = time.perf_counter()
    _refused(cli("check", "--profile", "ovhcloud-public-cloud", flag, str(tmp_path)), tmp_path,
             f"{flag}: is a directory; give a file name")
    existing = tmp_path / "existing.txt"
    existing.write_text("x")
    _refused(cli("check", "--profile", "ovhcloud-public-cloud", flag, str(existing / "j.xml")), existing / "j.xml",
             f"{flag}: {existing} is not a directory")
    _refused(cli("check", "--profile", "ovhcloud-public-cloud", flag, str(paths.CATALOGUE)), paths.CATALOGUE,
             f"{flag}: is an input of this command ({paths.CATALOGUE}); write the output elsewhere")
    assert time.perf_counter() - started < 10


def test_diff_never_writes_over_its_inputs(cli: Any, tmp_path: Path) -> None:
    """Row 14: `diff offer.yaml --out offer.yaml` and `--weights w.yaml --out w.yaml` replaced the bidder's answer
    and the weights with the report, exit 0."""
    offer = tmp_path / "offer.yaml"
    offer.write_text((paths.PROFILES_DIR / "scaleway.yaml").read_text(encoding="utf-8").replace(
        "id: scaleway", "id: offer", 1), encoding="utf-8")
    before = offer.read_bytes()
    _refused(cli("diff", str(offer), "--format", "md", "--out", str(offer)), offer,
             f"--out: is an input of this command ({offer}); write the output elsewhere")
    weights = tmp_path / "w.yaml"
    weights.write_text("criteria:\n  coverage: 40\n", encoding="utf-8")
    _refused(cli("diff", "--all", "--weights", str(weights), "--format", "csv", "--out", str(weights)), weights,
             f"--out: is an input of this command ({weights}); write the output elsewhere")
    assert offer.read_bytes() == before and weights.read_text() == "criteria:\n  coverage: 40\n"


def test_a_full_disk_leaves_the_previous_file_and_no_fragment(cli: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 14: a full disk left a 0-byte diff.html (and a truncated 64 KiB plan.json). Writes go to a temporary
    file renamed into place: the previous report stays whole, no temporary file is left."""
    report = tmp_path / "diff.html"
    report.write_text("previous report\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs.os, "fsync", full)
    result = cli("diff", "scaleway", "--format", "html", "--out", str(report))
    _refused(result, report, "cannot write file: No space left on device")
    assert report.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diff.html"]


def test_an_unwritable_directory_is_refused_before_the_work(cli: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Row 14: a read-only directory failed with an internal PermissionError after the work. (Root ignores
    permissions: the answer of the operating system is simulated.)"""
    closed = tmp_path / "ro"
    closed.mkdir()
    real = os.access
    monkeypatch.setattr(outputs.os, "access", lambda p, mode: False if Path(p) == closed else real(p, mode))
    _refused(cli("diff", "scaleway", "--out", str(closed / "d.md")), closed / "d.md",
             f"--out: cannot write in {closed}: Permission denied")
    _refused(cli("plan", "--profile", "ovhcloud-public-cloud", "--out", str(closed / "plan")), closed / "plan",
             f"--out: cannot write in {closed}: Permission denied")


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    """Row 14, what holds: a new file and a replaced one, each whole, no temporary left behind."""
    target = tmp_path / "sub" / "r.json"
    outputs.write_atomic(target, "one\n")
    outputs.write_atomic(target, b"two\n")
    assert target.read_text() == "two\n" and [p.name for p in target.parent.iterdir()] == ["r.json"]
