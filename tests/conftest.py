"""Shared test helpers: run the CLI in-process and capture what a user would see."""
from __future__ import annotations

import os
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
