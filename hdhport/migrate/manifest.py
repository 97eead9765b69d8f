"""The checksum manifest of an object store: every object's path, size and SHA-256, before a move.

A manifest is JSON Lines: a header line, then one object per line sorted by path. It holds nothing
but what was stored (no time, no location), so two manifests of the same content are byte-identical
and the manifest's own SHA-256 attests the whole content: the manifest of a store taken after a round
trip must equal the one taken before it.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hdhport.errors import InputError, Problem

FORMAT = "hdhport-object-manifest/1"
_SHA256_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, order=True)
class Entry:
    """One object as it was at the source."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    entries: tuple[Entry, ...]
    sha256: str  # of the manifest file's bytes

    @property
    def bytes(self) -> int:
        return sum(e.size for e in self.entries)

    def by_path(self) -> dict[str, Entry]:
        return {e.path: e for e in self.entries}


def render(entries: Iterable[Entry]) -> bytes:
    """The manifest's bytes: deterministic for a given set of objects."""
    ordered = sorted(entries)
    return b"".join(lines(ordered, len(ordered), sum(e.size for e in ordered)))


def lines(ordered: Iterable[Entry], objects: int, size: int) -> Iterator[bytes]:
    """The manifest's bytes line by line, from entries already sorted by path (a database's ORDER BY path: UTF-8
    byte order is code point order, Python's): what render gives, never held whole."""
    yield (json.dumps({"format": FORMAT, "objects": objects, "bytes": size}, sort_keys=True,
                      separators=(",", ":")) + "\n").encode("utf-8")
    # ensure_ascii=False keeps non-ASCII names readable; json still escapes control characters.
    for e in ordered:
        yield (json.dumps({"path": e.path, "size": e.size, "sha256": e.sha256}, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


def write(path: Path, entries: Iterable[Entry]) -> Manifest:
    data = render(entries)
    write_atomic(path, data)
    return Manifest(tuple(sorted(entries)), hashlib.sha256(data).hexdigest())


def write_lines(path: Path, ordered: Iterable[Entry], objects: int, size: int) -> str:
    """The manifest of `ordered` (sorted by path) written streaming, as `write` would; its SHA-256."""
    digest = hashlib.sha256()

    def hashed() -> Iterator[bytes]:
        for chunk in lines(ordered, objects, size):
            digest.update(chunk)
            yield chunk
    write_atomic(path, hashed())
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write through a temporary file and a rename, so a crash never leaves half a manifest or state; the
    file is created 0600 (object names are data, a state file names the remotes) and stays 0600. `data`
    may come in chunks, written as they come."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as out:
            if isinstance(data, bytes):
                out.write(data)
            else:
                buffer: list[bytes] = []
                for chunk in data:
                    buffer.append(chunk)
                    if len(buffer) >= 4096:
                        out.write(b"".join(buffer))
                        buffer.clear()
                out.write(b"".join(buffer))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: Path, what: str) -> IO[bytes]:
    """A regular file opened for reading; a FIFO, a device or a directory is refused at once (never read, so
    a FIFO cannot hang the command)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise InputError([Problem(str(path), 1, 1, "", f"cannot read the {what}: {exc.strerror}")]) from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):  # before fdopen, which refuses a directory with an error of its own
        os.close(descriptor)
        raise InputError([Problem(str(path), 1, 1, "", f"the {what} is not a regular file: it is {kind(mode)}")])
    return os.fdopen(descriptor, "rb")


def read_regular(path: Path, what: str) -> bytes:
    """The bytes of a regular file (see open_regular)."""
    with open_regular(path, what) as handle:
        try:
            return handle.read()
        except OSError as exc:
            raise InputError([Problem(str(path), 1, 1, "", f"cannot read the {what}: {exc.strerror}")]) from None


def read(path: Path) -> Manifest:
    """Load a manifest, rejecting anything malformed with its line and column."""
    found: list[Entry] = []
    sha256 = scan(path, found.append)
    return Manifest(tuple(found), sha256)


@dataclass(frozen=True)
class Scanned:
    sha256: str
    objects: int
    bytes: int


def scan(path: Path, take: Callable[[Entry], None]) -> str:
    """Read a manifest line by line, handing each entry to `take` (in path order) and rejecting anything
    malformed with its line and column, as a whole: `take` may have received entries before the error,
    which the caller drops. The SHA-256 of the file's bytes."""
    return scan_counted(path, take).sha256


def scan_counted(path: Path, take: Callable[[Entry], None]) -> Scanned:
    problems: list[Problem] = []

    def bad(line: int, message: str) -> None:
        problems.append(Problem(str(path), line, 1, "", message))

    digest, offset = hashlib.sha256(), 0
    header: dict[str, Any] | None = None
    last, count, total, number = "", 0, 0, 0
    with open_regular(path, "manifest") as handle:
        try:
            # Split on line feeds only: str.splitlines() also splits on U+0085 and U+2028, which JSON leaves
            # unescaped inside a name.
            for number, raw in enumerate(handle, start=1):
                digest.update(raw)
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError([Problem(str(path), 1, 1, "", f"not UTF-8 (byte {offset + exc.start})")]) from None
                offset += len(raw)
                line = line[:-1] if line.endswith("\n") else line
                if number == 1:
                    header = _json_line(line, 1, bad)
                    if header is not None and header.get("format") != FORMAT:
                        bad(1, f"not an hdhport object manifest (expected format '{FORMAT}')")
                    continue
                item = _json_line(line, number, bad)
                if item is None:
                    continue
                entry = _entry(item)
                if entry is None:
                    bad(number, "expected {\"path\": text, \"size\": whole number below 2**63, "
                                "\"sha256\": 64 lowercase hex digits}")
                elif count and entry.path <= last:
                    bad(number, f"object '{entry.path}' is out of order or repeated")
                else:
                    last, count, total = entry.path, count + 1, total + entry.size
                    if not problems:
                        take(entry)
        except OSError as exc:
            raise InputError([Problem(str(path), 1, 1, "", f"cannot read the manifest: {exc.strerror}")]) from None
    if number == 0:
        header = _json_line("", 1, bad)
    if header is not None and not problems and (header.get("objects"), header.get("bytes")) != (count, total):
        bad(1, f"header says {header.get('objects')} objects and {header.get('bytes')} bytes; the lines hold "
               f"{count} and {total}")
    if problems:
        raise InputError(problems)
    return Scanned(digest.hexdigest(), count, total)


def _json_line(line: str, number: int, bad: Any) -> dict[str, Any] | None:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        bad(number, f"invalid JSON: {exc.msg}")
        return None
    if not isinstance(item, dict):
        bad(number, "expected a JSON object")
        return None
    return item


#: No object is larger (S3's limit is 5 TiB), and the move's tables store sizes as 64-bit integers.
MAX_SIZE = 2**63 - 1


def _entry(item: dict[str, Any]) -> Entry | None:
    path, size, digest = item.get("path"), item.get("size"), item.get("sha256")
    if set(item) != {"path", "size", "sha256"} or not isinstance(path, str) or not path or not _text(path):
        return None
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_SIZE:
        return None
    if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _SHA256_HEX:
        return None
    return Entry(path, size, digest)


def _text(path: str) -> bool:
    """Whether a name is Unicode text: JSON can spell a lone surrogate (`\\udc80`), which no store names an
    object and no UTF-8 file or database can hold."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
