"""Every file hdhport writes: checked before the work starts, written atomically, never over an input.

A command checks its output paths first (`check_file`, `check_directory`), so a typo costs a second, not a
ten-minute plan followed by a traceback; then writes each file to a temporary file beside it and renames it
into place (`write_atomic`), so a full disk or an interrupt leaves the previous file or none, never half of
one. Every failure is an InputError: one located line, exit 2.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from hdhport.errors import InputError, Problem


def _refuse(path: Path, flag: str, message: str) -> InputError:
    return InputError([Problem(str(path), 1, 1, "", f"{flag}: {message}" if flag else message)])


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_parent(path: Path, flag: str) -> None:
    """The nearest existing ancestor of `path` (which does not exist) is a directory we may create entries in."""
    ancestor = path.parent
    while not ancestor.exists() and not ancestor.is_symlink() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise _refuse(path, flag, f"{ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise _refuse(path, flag, f"cannot write in {ancestor}: Permission denied")


def check_file(path: Path, flag: str, inputs: Iterable[Path] = ()) -> None:
    """Refuse, before any work, an output file that could not be written or would replace an input."""
    if path.exists() or path.is_symlink():
        if path.is_dir():
            raise _refuse(path, flag, "is a directory; give a file name")
        if not path.is_file():
            raise _refuse(path, flag, "not a regular file; give a file name")
        for source in inputs:
            if _same_file(path, source):
                raise _refuse(path, flag, f"is an input of this command ({source}); write the output elsewhere")
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise _refuse(path, flag, f"cannot write in {path.parent}: Permission denied")
        return
    _check_parent(path, flag)


def check_directory(path: Path, flag: str, names: Iterable[str] = (), inputs: Iterable[Path] = ()) -> None:
    """Refuse, before any work, an output directory that could not hold files `names` or would replace an input."""
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise _refuse(path, flag, "not a directory; give a directory to write into")
        if not os.access(path, os.W_OK | os.X_OK):
            raise _refuse(path, flag, f"cannot write in {path}: Permission denied")
        sources = list(inputs)
        for name in names:
            check_file(path / name, flag, sources)
        return
    _check_parent(path, flag)


def write_atomic(path: Path, content: str | bytes, mode: int = 0o644) -> Path:
    """Write `content` to `path` through a temporary file renamed into place; `mode` is the file's permission."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with replacing(path, mode) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return path


@contextlib.contextmanager
def replacing(path: Path, mode: int = 0o644) -> Iterator[Path]:
    """A temporary path beside `path` for the caller (or a child process) to fill; renamed to `path` when the
    block ends, removed if it fails. An OSError becomes a one-line InputError naming `path`."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        os.chmod(temporary, mode)
        yield Path(temporary)
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise InputError([Problem(str(path), 1, 1, "", f"cannot write file: {exc.strerror or exc}")]) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
