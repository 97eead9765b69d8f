"""Shared test helpers: run the CLI in-process and capture what a user would see."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hdhport.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
UPDATE_GOLDEN = os.environ.get("HDHPORT_UPDATE_GOLDEN") == "1"
# Dates computed by implementations (budget start, token expiry) come from here, so snapshots stay stable.
os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01


@pytest.fixture(scope="session", autouse=True)
def _private_cost_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`hdhport diff` keeps cost estimates in out/cache; the tests keep theirs apart, so that what a developer's
    cache holds never changes a result (subprocesses inherit the variable)."""
    os.environ.setdefault("HDHPORT_CACHE_DIR", str(tmp_path_factory.mktemp("hdhport-cache")))
    yield


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Iterator[object]:
    def run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield run


@pytest.fixture
def require_rclone() -> None:
    """The rclone binary `hdhport migrate objects` drives (Debian package): a test that needs it fails without
    it, never skips. Used as `pytestmark = pytest.mark.usefixtures("require_rclone")` or per test."""
    if shutil.which("rclone") is None:
        pytest.fail("rclone is missing: run `make system-deps` (Debian package rclone)")


def tree(root: Path, files: dict[str, bytes]) -> Path:
    """`root` holding `files` (a relative name, `/` between folders, to its bytes), folders made as needed."""
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    return root


def own_project(monkeypatch: pytest.MonkeyPatch, root: Path) -> Path:
    """Make `root` the project directory hdhport works in (its stack files, its Pulumi.yaml), as an operator's own
    checkout would be: its Pulumi.yaml runs this repository's program (an absolute `main:`)."""
    from hdhport import paths

    (root / "Pulumi.yaml").write_text(f"name: hdhport\nruntime: python\nmain: {ROOT / 'infra'}/\n", encoding="utf-8")
    monkeypatch.setattr(paths, "ROOT", root)
    return root
