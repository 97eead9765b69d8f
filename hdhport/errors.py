"""Problems found in user input, reported all at once as FILE:LINE:COL: path: message."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One defect in an input file, located precisely enough for a person to fix it."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        message = " ".join(self.message.split())  # one line, whatever a parser put in it
        return f"{where}: {self.path}: {message}" if self.path else f"{where}: {message}"


class InputError(Exception):
    """Bad input: carries every problem found so the CLI can print them and exit 2."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
