"""Problems found in user input, reported all at once as FILE:LINE:COL: path: message."""
from __future__ import annotations

import re
from dataclasses import dataclass

# What could break the one-line-per-problem promise or drive a terminal: C0 and C1 controls (newline, carriage
# return, ESC...), DEL, Unicode line and paragraph separators, bidirectional marks and overrides, and lone
# surrogates (an undecodable byte of a file name). Each is shown as its Python escape: \n, \x1b, \u202e, \udcff.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escape(text: str) -> str:
    """`text` with every character that could forge a line or rewrite a terminal written as its escape."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, order=True)
class Problem:
    """One defect in an input file, located precisely enough for a person to fix it."""

    file: str
    line: int
    column: int
    path: str
    message: str

    @classmethod
    def argument(cls, option: str, message: str, path: str = "") -> Problem:
        """A defect in a command-line argument: named by its option, never dressed as a file position."""
        return cls(option, 0, 0, path, message)

    def __str__(self) -> str:
        """One line, whatever the file name, a YAML key or a parser put in it (control characters escaped)."""
        where = escape(self.file) if self.line == 0 else f"{escape(self.file)}:{self.line}:{self.column}"
        message = escape(" ".join(self.message.split()))  # a parser's line breaks become spaces
        return f"{where}: {escape(self.path)}: {message}" if self.path else f"{where}: {message}"


class InputError(Exception):
    """Bad input: carries every problem found so the CLI can print them and exit 2."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
