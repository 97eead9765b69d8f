"""`hdhport migrate objects`: a verified move of an object store's content between providers.

1. List the source and stream every object through SHA-256: the manifest, written before `rclone copy`. On
   a first run from a remote source, objects of LARGE bytes and more are sent on to the destination as they
   are hashed (Stream: read once, the manifest's digest is that of the bytes sent).
2. `rclone copy` of the objects not yet verified at the destination (never sync, move or delete).
3. Read every copied object back at the destination and compare its size and SHA-256 with the manifest (an
   object Stream sent: its MD5 as an S3 or Swift store computed it over what it stored, equal to the MD5 of
   the bytes sent, proves it too; else it is read back).
4. Check the destination holds exactly the manifest's objects: none missing, none unexpected.

A state file beside the manifest records what the last run verified; `--resume` hashes the source again,
brings the manifest up to date with what changed since (objects added, changed or removed: the final delta
of a cut-over), reads back every object already at the destination, what an earlier run verified included
(the destination may have been altered since: the cut-over relies on the last run), and copies only what
is missing or different there, with the content the source now has. At the end of every run the source
is listed again: an object that appeared or changed meanwhile fails the run, named, for a `--resume` to
move. An object the source lost stays at the destination (nothing is deleted) and is named as removed.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import posixpath
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from hdhport.errors import InputError, Problem
from hdhport.migrate import manifest as manifests
from hdhport.migrate.manifest import Entry, Manifest
from hdhport.migrate.rclone import (LOCAL_REWRITTEN, HttpReader, Listing, Rclone, RcloneError, Streamed,
                                    remote_name, split_connection)
from hdhport.migrate.redaction import redact

STATE_FORMAT = "hdhport-object-move-state/1"
_CHUNK = 4 << 20  # large reads: fewer Python calls, hashlib hashes them without the GIL
Progress = Callable[[str], None]
MismatchKind = Literal["missing", "size", "sha256", "unexpected"]
REMOVED_AT_SOURCE = "removed at the source since the previous manifest"


@dataclass(frozen=True, order=True)
class Mismatch:
    """One object whose destination copy does not match the manifest."""

    path: str
    kind: MismatchKind
    expected: str = ""
    found: str = ""

    def __str__(self) -> str:
        if self.kind == "missing":
            return f"MISSING    {self.path!r}: in the manifest ({self.expected}), absent at the destination"
        if self.kind == "unexpected":  # `expected` may say why it is not in the manifest (REMOVED_AT_SOURCE)
            return (f"UNEXPECTED {self.path!r}: at the destination ({self.found}), "
                    f"{self.expected or 'not in the manifest'}")
        return f"{self.kind.upper():<10} {self.path!r}: expected {self.expected}, found {self.found}"


@dataclass
class Summary:
    operation: Literal["move", "verify"]
    source: str | None
    dest: str
    manifest: str
    manifest_sha256: str
    objects: int
    bytes: int
    verified: int = 0
    copied: int = 0
    already_there: int = 0
    resumed: bool = False
    #: on --resume, what the source gained, changed or lost since the previous manifest
    source_changes: dict[str, int] = field(default_factory=dict)
    #: one object of each of those changes, e.g. {"removed": "cohort.csv"}: what the delta line names
    source_change_examples: dict[str, str] = field(default_factory=dict)
    #: on --resume, objects an earlier run verified that were missing or different at the destination: copied again
    altered: list[str] = field(default_factory=list)
    #: entries of a local source that are not regular files (symbolic links, FIFOs...): rclone skips them
    not_moved: list[dict[str, str]] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return (self.failure is None and not self.mismatches and not self.not_moved
                and self.verified == self.objects)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["mismatches"] = [asdict(m) for m in self.mismatches]
        data["seconds"] = {k: round(v, 3) for k, v in self.seconds.items()}
        return data

    def to_text(self) -> str:
        total = sum(self.seconds.values())
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        lines = [f"{'source':<12}{self.source}"] if self.source else []
        lines += [f"{'destination':<12}{self.dest}",
                  f"{'manifest':<12}{self.manifest}",
                  f"{'':<12}sha256 {self.manifest_sha256}",
                  f"{'objects':<12}{self.objects} in the manifest, {self.verified} verified at the destination"
                  + (f" ({self.copied} copied, {self.already_there} already there)" if self.operation == "move"
                     else ""),
                  f"{'bytes':<12}{self.bytes} ({_human(self.bytes)})"]
        if self.source_changes:
            lines.append(f"{'delta':<12}" + ", ".join(
                f"{n} {k}" + (f" (e.g. {self.source_change_examples[k]!r})" if k in self.source_change_examples
                              else "") for k, n in self.source_changes.items())
                         + " at the source since the previous manifest")
        if self.altered:
            lines.append(f"{'altered':<12}{len(self.altered)} object(s) an earlier run verified were missing or "
                         f"different at the destination (e.g. {self.altered[0]!r}): copied again from the source")
        lines += [f"{'mismatches':<12}{len(self.mismatches)}",
                  f"{'time':<12}{total:.1f} s" + (f" ({phases})" if phases else "")]
        lines += [str(m) for m in self.mismatches]
        lines += [f"NOT MOVED  {e['path']!r}: {e['kind']}, which rclone does not copy" for e in self.not_moved]
        if self.failure:
            lines.append(f"FAILED: {self.failure}")
        verdict = "ok: every object verified" if self.ok else "NOT VERIFIED"
        return "\n".join(lines + [verdict])


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{size} B"
        value /= 1024
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------- state beside the manifest


@dataclass
class State:
    """What is verified at the destination, for `--resume`; tied to one manifest, source and destination."""

    manifest_sha256: str
    source: str
    dest: str
    verified: set[str]
    runs: list[dict[str, Any]] = field(default_factory=list)

    def save(self, path: Path) -> None:
        data = {"format": STATE_FORMAT, "manifest_sha256": self.manifest_sha256, "source": self.source,
                "dest": self.dest, "verified": sorted(self.verified), "runs": self.runs}
        manifests.write_atomic(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))

    @staticmethod
    def load(path: Path) -> State:
        try:
            data = json.loads(manifests.read_regular(path, "state file").decode("utf-8"))
            if data.get("format") != STATE_FORMAT:
                raise ValueError(f"expected format '{STATE_FORMAT}'")
            return State(str(data["manifest_sha256"]), str(data["source"]), str(data["dest"]),
                         {str(p) for p in data["verified"]}, list(data.get("runs", [])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError([Problem(str(path), 1, 1, "", f"unreadable state file: {exc}")]) from None


def state_path(manifest_path: Path) -> Path:
    return manifest_path.with_name(manifest_path.name + ".state.json")


def log_path(manifest_path: Path) -> Path:
    return manifest_path.with_name(manifest_path.name + ".rclone.log")


# ---------------------------------------------------------------------- hashing


@dataclass(frozen=True)
class Hashed:
    size: int
    sha256: str


Hasher = Literal["auto", "rclone", "stream"]
HASHERS: tuple[Hasher, ...] = ("auto", "rclone", "stream")
#: From this size an object is hashed through `rclone cat` and hashlib rather than `rclone hashsum`: about
#: what hashlib hashes in the time an rclone process takes to start (~30 ms at ~1 GiB/s).
LARGE = 32 << 20


def hash_objects(rclone: Rclone, remote: str, sizes: dict[str, int], paths: Iterable[str], *, jobs: int,
                 log: Path, progress: Progress, what: str, hasher: Hasher = "auto",
                 stream: Stream | None = None) -> dict[str, Hashed | None]:
    """SHA-256 and size of each of `paths` at `remote` (None when absent), `jobs` objects at once.

    Every hasher reads every byte of every object and hashes what was read; none takes a digest the store
    recorded (an upload-time MD5 or SHA-256 attests what was sent, not what is served), so a manifest made
    with any of them attests the source's content and a read-back with any proves the destination's.

    - "auto" (default): on a local path, each file is opened here (never through a symbolic link, never
      anything but a regular file) and hashed with hashlib, `jobs` files at once, its size counted from
      the bytes hashed: rclone's local backend would read the same bytes from the same file, one process
      and one pipe further away. A name rclone's local encoding rewrites (control characters, their
      U+2400 pictures, full-width look-alikes, `.` or `..`) goes through "rclone". Remotes: "rclone".

    - "rclone": objects under LARGE through `rclone hashsum sha256 --download`, the digests
      computed in rclone itself, `jobs` objects at once, in one process (per-object cost: no process, no
      HTTP request); their size is the one `sizes` (a listing) gives: a digest match proves the bytes,
      hence the size, and the manifest's listing is taken again after hashing to catch a size that moved
      meanwhile. Objects from LARGE up through `rclone cat` piped into hashlib, `jobs` at once (see
      Rclone.cat_sha256: faster per byte), their size counted from the bytes hashed. With `stream`, those
      large objects are sent on to its destination as they are read (Stream: one read of the source).
    - "stream": `rclone serve http` on 127.0.0.1, `jobs` Python threads each reading objects in 4 MiB
      chunks into hashlib (which releases the GIL on large buffers) and counting the bytes it hashed; for
      a remote where `rclone hashsum` misbehaves, and as the reference the first is tested against.
    """
    todo = [p for p in paths]
    if hasher == "auto" and remote_name(remote) is None:
        files = {p: f for p in todo if (f := local_file(remote, p)) is not None}
        results = _hash_files(files, jobs, progress, what)
        rest = [p for p in todo if p not in files]
        if rest:
            results.update(hash_objects(rclone, remote, sizes, rest, jobs=jobs, log=log, progress=progress,
                                        what=what, hasher="rclone"))
        return results
    if hasher in ("auto", "rclone"):
        small = [p for p in todo if p in sizes and sizes[p] < LARGE]
        large = [p for p in todo if p in sizes and sizes[p] >= LARGE]
        # One `rclone hashsum` for every small object, beside the large ones' streams: both at once.
        with ThreadPoolExecutor(1) as side:
            pending = side.submit(rclone.hashsum, remote, small, log, jobs,
                                  progress=lambda done: progress(f"{what}: {done}/{len(todo)} objects")) if small else None
            results = _hash_large(rclone, remote, large, jobs, progress, what,
                                  stream.reader(remote, sizes) if stream else None)
            digests = pending.result() if pending is not None else {}
        results.update({p: Hashed(sizes[p], digests[p]) if p in digests else None for p in todo if p not in results})
        return results
    with rclone.serve(remote, log) as reader:
        return _hash_streams(reader, todo, jobs, progress, what)


# Names rclone's local backend stores under another name: read through rclone.
_REWRITTEN = LOCAL_REWRITTEN


def local_file(root: str, name: str) -> str | None:
    """The file a local path `root` holds under rclone's object name `name`, or None when rclone's local
    encoding could map that name to another file name."""
    if _REWRITTEN.search(name) or any(part in ("", ".", "..") for part in name.split("/")):
        return None
    return os.path.join(root, name)


def hash_file(path: str, buffer: bytearray) -> Hashed | None:
    """Size and SHA-256 of the bytes of one local regular file, read now; None when it is absent or not a
    regular file (rclone would not list or copy it). O_NOFOLLOW: a file replaced by a symbolic link is
    never followed; O_NONBLOCK: a FIFO put in its place is never waited on."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None
        raise RcloneError(f"reading {path!r} failed: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        digest, size, view = hashlib.sha256(), 0, memoryview(buffer)
        while got := os.readv(descriptor, [buffer]):
            digest.update(view[:got])
            size += got
        return Hashed(size, digest.hexdigest())
    except OSError as exc:
        raise RcloneError(f"reading {path!r} failed: {exc.strerror}") from None
    finally:
        os.close(descriptor)


def _hash_files(files: dict[str, str], jobs: int, progress: Progress, what: str) -> dict[str, Hashed | None]:
    """`jobs` threads, each taking the next file from a shared iterator: no task object per file, which for
    thousands of small files costs more than hashing them."""
    results: dict[str, Hashed | None] = {}
    lock, last = threading.Lock(), [time.monotonic()]
    items = iter(list(files.items()))

    def worker() -> None:
        buffer = bytearray(_CHUNK)
        while True:
            with lock:
                item = next(items, None)
            if item is None:
                return
            hashed = hash_file(item[1], buffer)
            with lock:
                results[item[0]] = hashed
                if time.monotonic() - last[0] > 10:
                    last[0] = time.monotonic()
                    progress(f"{what}: {len(results)}/{len(files)} objects")

    if files:
        with ThreadPoolExecutor(max(1, min(jobs, len(files)))) as pool:
            for future in [pool.submit(worker) for _ in range(max(1, min(jobs, len(files))))]:
                future.result()  # re-raises the first worker error here
    return results


def _hash_large(rclone: Rclone, remote: str, large: list[str], jobs: int, progress: Progress, what: str,
                read: Callable[[str, bytearray], Hashed] | None = None) -> dict[str, Hashed | None]:
    results: dict[str, Hashed | None] = {}
    local = threading.local()
    lock, last = threading.Lock(), [time.monotonic()]

    def one(path: str) -> None:
        if not hasattr(local, "buffer"):
            local.buffer = bytearray(_CHUNK)
        hashed = read(path, local.buffer) if read else Hashed(*rclone.cat_sha256(remote, path, local.buffer))
        with lock:
            results[path] = hashed
            if time.monotonic() - last[0] > 10:
                last[0] = time.monotonic()
                progress(f"{what}: {len(results)}/{len(large)} large objects")

    if large:
        with ThreadPoolExecutor(max(1, min(jobs, len(large)))) as pool:
            list(pool.map(one, large))  # list(): re-raises the first worker error here
    return results


class Stream:
    """The copy of a remote source's large objects during the manifest, on a run that is not a --resume: each
    object of LARGE bytes or more is read once, by `rclone cat`, hashed here and passed on to `rclone rcat`
    at the destination (Rclone.stream). The manifest records the digest of the very bytes sent, and
    `rclone copy` does not read them from the source a second time. What arrived is then proven (`proven`);
    anything not proven is copied again by `rclone copy` and read back as every copied object."""

    def __init__(self, rclone: Rclone, dest: str, log: Path) -> None:
        self.rclone, self.dest, self.log = rclone, dest, log
        self.sent: dict[str, Streamed] = {}
        self.lock = threading.Lock()
        # MD5 is hashed too (it costs CPU) only where the store's own MD5 can prove the copy; asked at once,
        # beside the listing, so that no stream waits for the answer.
        self._side = ThreadPoolExecutor(1)
        self._stores_md5 = self._side.submit(rclone.stores_md5, dest)
        self._listed: Future[tuple[Listing, dict[str, str]]] | None = None
        #: the destination as listed once every object was sent (Rclone.list_md5), for the rest of the run
        self.listing: Listing | None = None
        #: the source as listed once every object was sent (the manifest's second listing)
        self.source_listing: Listing | None = None

    def ask_store(self) -> None:
        """Once every object is sent: list the destination with its MD5s now, beside what the run does next."""
        if self.sent and self._wants_md5():
            self._listed = self._side.submit(self.rclone.list_md5, self.dest)
        self._side.shutdown(wait=False)

    def _wants_md5(self) -> bool:
        try:
            return self._stores_md5.result()
        except RcloneError:
            return False

    def reader(self, source: str, sizes: dict[str, int]) -> Callable[[str, bytearray], Hashed]:
        def send(path: str, buffer: bytearray) -> Hashed:
            streamed = self.rclone.stream(source, self.dest, path, sizes[path], buffer, self.log,
                                          md5=self._wants_md5())
            if streamed.delivered:
                with self.lock:
                    self.sent[path] = streamed
            return Hashed(streamed.size, streamed.sha256)
        return send

    def proven(self, entries: dict[str, Entry], jobs: int, progress: Progress) -> set[str]:
        """The objects sent that the destination holds as the manifest records them: by the MD5 the store
        computed over the bytes it stored (see Rclone.stores_md5) equal to the MD5 of the bytes sent; else
        read back and hashed at the destination, as any read-back."""
        sent = {p: s for p, s in self.sent.items()
                if p in entries and Hashed(s.size, s.sha256) == Hashed(entries[p].size, entries[p].sha256)}
        md5: dict[str, str] = {}
        if self._listed is not None:
            try:
                self.listing, md5 = self._listed.result()
            except RcloneError:
                md5 = {}  # no proof from the store: every object is read back
        sizes = self.listing.sizes if self.listing is not None else {}
        proven = {p for p, s in sent.items() if sizes.get(p) == s.size and md5.get(p) == s.md5}
        rest = sorted(sent.keys() - proven)
        if rest:
            progress(f"verifying {len(rest)} object(s) sent during the manifest")
            found = hash_objects(self.rclone, self.dest, {p: entries[p].size for p in rest}, rest, jobs=jobs,
                                 log=self.log, progress=progress, what="verify")
            proven |= {p for p in rest if found.get(p) == Hashed(entries[p].size, entries[p].sha256)}
        return proven


def _hash_one(reader: HttpReader, path: str, buffer: bytearray) -> Hashed | None:
    stream = reader.open(path)
    if stream is None:
        return None
    digest, size, view = hashlib.sha256(), 0, memoryview(buffer)
    with stream:
        while True:
            got = stream.readinto(buffer)  # type: ignore[attr-defined]  # http.client.HTTPResponse
            if not got:
                break
            digest.update(view[:got])
            size += got
    return Hashed(size, digest.hexdigest())


def _hash_streams(reader: HttpReader, todo: list[str], jobs: int, progress: Progress,
                  what: str) -> dict[str, Hashed | None]:
    results: dict[str, Hashed | None] = {}
    lock, last = threading.Lock(), [time.monotonic()]
    local = threading.local()

    def one(path: str) -> None:
        if not hasattr(local, "buffer"):
            local.buffer = bytearray(_CHUNK)
        hashed = _hash_one(reader, path, local.buffer)
        with lock:
            results[path] = hashed
            if time.monotonic() - last[0] > 10:
                last[0] = time.monotonic()
                progress(f"{what}: {len(results)}/{len(todo)} objects")

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        list(pool.map(one, todo))  # list(): re-raises the first worker error here
    return results


# ---------------------------------------------------------------------- the move


def _real(path: str, rclone: Rclone | None = None, depth: int = 0) -> str:
    """Where an rclone path leads, so that two spellings of one place compare equal. A local path as the
    kernel resolves it (`//`, `/./`, `..`, symbolic links), given plain, on the fly (`:local:/p`,
    `:local,opt=x:/p`) or through a remote of type `local` or `alias` (followed to what it names, through the
    configuration `rclone` reads: only when a named remote is involved); any other remote path with its
    redundant separators removed."""
    if remote_name(path) is None:
        return os.path.realpath(os.path.abspath(path))
    parsed = split_connection(path)
    if parsed is not None:
        name, parameters, rest = parsed
        head, settings = path[:len(path) - len(rest) - 1], dict(parameters)
    else:
        colon = path.find(":", 1)  # `:backend:rest` or `name:rest`
        if colon < 0:
            return path
        name, head, rest, settings = path[:colon], path[:colon], path[colon + 1:], {}
    if name.startswith(":"):
        kind = name[1:]
    elif rclone is not None:
        settings = rclone.settings(name) | settings  # connection-string parameters override the configuration
        kind = settings.get("type", "")
    else:
        kind = ""
    if kind == "local":
        return os.path.realpath(os.path.abspath(rest))
    if kind == "alias" and settings.get("remote") and depth < 16:  # an alias of an alias...: rclone's loop, not ours
        target = settings["remote"]
        joined = target if not rest else target + rest if target.endswith(":") else (
            target.rstrip("/") + "/" + rest.lstrip("/"))
        return _real(joined, rclone, depth + 1)
    return f"{head}:{posixpath.normpath('/' + rest).lstrip('/')}"


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder if folder.endswith((":", "/")) else folder + "/")


def check_paths(source: str, dest: str, rclone: Rclone | None = None) -> None:
    """Refuse a destination that is the source or overlaps it: a copy there would read what it writes.
    Compared where they lead (see _real), so `//`, `/./`, a symbolic link to the source, `:local:` and a
    `local` or `alias` remote into the source are caught."""
    real_source, real_dest = _real(source, rclone), _real(dest, rclone)
    if remote_name(real_source) == remote_name(real_dest) and (_inside(real_dest, real_source)
                                                               or _inside(real_source, real_dest)):
        resolved = (real_source, real_dest) != (source.rstrip("/"), dest.rstrip("/"))
        raise InputError([Problem("DEST", 1, 1, "", f"{redact(dest)!r} overlaps the source {redact(source)!r}"
                                  + (f" (they lead to {redact(real_dest)!r} and {redact(real_source)!r})"
                                     if resolved else "") + "; move to another container or prefix")])


def check_manifest_path(manifest_path: Path, source: str | None, dest: str, rclone: Rclone | None = None) -> None:
    """The manifest, its state file and log must be regular files (or not exist yet), outside a local source
    (which is never modified) and outside a local destination (where they would be unexpected objects).
    `source` is None for `verify`, which reads the manifest (and writes its state and log)."""
    use = "read" if source is None else "write"
    for path in (manifest_path, state_path(manifest_path), log_path(manifest_path)):
        try:
            mode = path.lstat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue  # a folder that cannot be made is reported when it is made
        except OSError as exc:
            what = f"cannot {use} the manifest" if path == manifest_path else "cannot use this path"
            raise InputError([Problem(str(path), 1, 1, "", f"{what}: {exc.strerror}")]) from None
        if not stat.S_ISREG(mode):
            raise InputError([Problem(str(path), 1, 1, "", f"not a regular file: it is {manifests.kind(mode)}; "
                                      f"--manifest names the manifest file to {use}, its state and log beside it")])
    folder = os.path.realpath(os.path.abspath(manifest_path.parent))
    for role, where in (("source", source), ("destination", dest)):
        if where is None:
            continue
        real = _real(where, rclone)
        if remote_name(real) is None and _inside(folder, real):
            where_it_is = "would be written inside" if use == "write" else "and its state and log would be inside"
            raise InputError([Problem(str(manifest_path), 1, 1, "", f"the manifest {where_it_is} the "
                                      f"{role} {redact(where)!r}; choose a --manifest outside it")])


def local_unmovable(source: str) -> list[dict[str, str]]:
    """Entries of a local source that rclone would skip with a mere NOTICE: symbolic links, FIFOs,
    sockets, devices. A name that is not UTF-8 is refused: rclone would rewrite it and lose the object."""
    if remote_name(source) is not None or not os.path.isdir(source):
        return []
    found: list[dict[str, str]] = []
    stack = [""]
    while stack:
        relative = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(source, relative)))
        except OSError:
            continue  # rclone's listing reports what it cannot read
        for entry in entries:
            name = posixpath.join(relative, entry.name) if relative else entry.name
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                shown = os.fsencode(name).decode("utf-8", errors="backslashreplace")
                raise InputError([Problem("SOURCE", 1, 1, "", f"{shown!r} is not a UTF-8 name: rclone would copy "
                                          "it under another name; rename it first")]) from None
            if entry.is_dir(follow_symlinks=False):  # the type readdir gave: no stat per entry
                stack.append(name)
            elif not entry.is_file(follow_symlinks=False):
                found.append({"path": name, "kind": manifests.kind(entry.stat(follow_symlinks=False).st_mode)})
    return sorted(found, key=lambda e: e["path"])


def _unsupported_names(paths: Iterable[str]) -> list[str]:
    # rclone's --files-from-raw takes one name per line: a name holding a line break cannot be listed.
    return [p for p in paths if "\n" in p or "\r" in p]


def _hash_source(rclone: Rclone, source: str, sizes: dict[str, int], parallel: int, log: Path, hasher: Hasher,
                 progress: Progress, what: str, stream: Stream | None = None) -> list[Entry]:
    """The source's objects as the manifest records them, each read and hashed now (with `stream`, its large
    objects sent on to the destination as they are read)."""
    bad = _unsupported_names(sizes)
    if bad:
        raise InputError([Problem("SOURCE", 1, 1, "", f"object name with a line break, which rclone cannot "
                                                     f"be given: {bad[0]!r}")])
    progress(f"{what}: hashing {len(sizes)} objects at {redact(source)}")
    hashed = hash_objects(rclone, source, sizes, sizes, jobs=parallel, log=log, progress=progress, what=what,
                          hasher=hasher, stream=stream)
    if stream is not None:
        stream.ask_store()
    vanished = [p for p, h in hashed.items() if h is None]
    if vanished:
        raise RcloneError(f"{len(vanished)} object(s) disappeared from the source while hashing, e.g. "
                          f"{vanished[0]!r}; the source must be frozen during a move")
    # The sizes the manifest records must be those of the bytes hashed: a second listing catches an
    # object that changed size between the listing and its hashing (the stream hasher counts them).
    changed = sorted(p for p, h in hashed.items() if h is not None and h.size != sizes[p])
    after = rclone.list(source)
    if stream is not None:
        stream.source_listing = after  # taken once the last object was sent
    changed += _drift_sizes(sizes, after.sizes)
    if changed:
        raise RcloneError(f"{len(changed)} object(s) changed at the source while hashing, e.g. "
                          f"{changed[0]!r}; the source must be frozen during a move")
    return [Entry(p, h.size, h.sha256) for p, h in hashed.items() if h is not None]


def _changes(old: Manifest, new: list[Entry]) -> dict[str, list[str]]:
    before, after = old.by_path(), {e.path: e for e in new}
    return {"added": sorted(after.keys() - before.keys()), "changed": sorted(
        p for p in after.keys() & before.keys() if after[p] != before[p]), "removed": sorted(before.keys() - after.keys())}


def move(source: str, dest: str, manifest_path: Path, *, rclone: Rclone, resume: bool = False,
         parallel: int = 8, max_failures: int = 10, hasher: Hasher = "auto",
         progress: Progress = lambda _: None) -> Summary:
    """The verified move; `parallel` objects hashed, copied and read back at once (see hash_objects for
    what each `hasher` guarantees)."""
    # A remote source's listing (only reads) is asked at once, beside the checks (rclone processes too).
    listed = _ahead(rclone.list, source) if remote_name(source) is not None else None
    check_paths(source, dest, rclone)
    check_manifest_path(manifest_path, source, dest, rclone)
    state_file, log = state_path(manifest_path), log_path(manifest_path)
    if not resume and (manifest_path.exists() or state_file.exists()):
        raise InputError([Problem(str(manifest_path), 1, 1, "", "a manifest of an earlier run is here: pass "
                                  "--resume to continue it, or choose another --manifest")])
    if resume and not (manifest_path.exists() and state_file.exists()):
        raise InputError([Problem(str(manifest_path), 1, 1, "", "nothing to resume: no manifest and state file "
                                  f"here ({state_file.name}); start without --resume")])
    rclone.check_path(source, "SOURCE")
    rclone.check_path(dest, "DEST")
    unmovable = local_unmovable(source)
    previous: Manifest | None = None
    if resume:
        previous, state = manifests.read(manifest_path), State.load(state_file)
        if state.manifest_sha256 != previous.sha256:
            raise InputError([Problem(str(state_file), 1, 1, "", "this state belongs to another manifest "
                                      f"(sha256 {state.manifest_sha256[:12]}...), not {manifest_path.name}")])
        if (redact(state.source), redact(state.dest)) != (redact(source), redact(dest)):
            raise InputError([Problem(str(state_file), 1, 1, "", f"this run moved {redact(state.source)!r} to "
                                      f"{redact(state.dest)!r}; resume it with the same SOURCE and DEST")])
    _make_folder(manifest_path)
    seconds: dict[str, float] = {}
    started = time.monotonic()
    # A first run from a remote source sends its large objects on as the manifest reads them (Stream); not
    # within one remote, where rclone copies on the server's side and the bytes never cross this machine.
    stream = (Stream(rclone, dest, log) if not resume and hasher == "auto" and remote_name(source) is not None
              and remote_name(source) != remote_name(dest) else None)
    progress(f"listing {redact(source)}")
    listing = listed() if listed else rclone.list(source)
    if not listing.exists:
        raise InputError([Problem("SOURCE", 1, 1, "", f"{redact(source)!r} does not exist")])
    seconds["listing"] = time.monotonic() - started
    started = time.monotonic()
    # On --resume too, every object is read again: a size can stay the same while the content changes, and
    # the last --resume of a cut-over must carry every change made since the manifest.
    entries = _hash_source(rclone, source, listing.sizes, parallel, log, hasher, progress,
                           "resume" if resume else "manifest", stream)
    changes: dict[str, list[str]] = {}
    if previous is not None:
        changes = _changes(previous, entries)
        manifest = previous
        if any(changes.values()):
            manifest = manifests.write(manifest_path, entries)
            now = manifest.by_path()
            state.verified = {p for p in state.verified if previous.by_path().get(p) == now.get(p)}
            state.manifest_sha256 = manifest.sha256
            state.save(state_file)
    else:
        manifest = manifests.write(manifest_path, entries)
        state = State(manifest.sha256, redact(source), redact(dest), set())
        state.save(state_file)
    seconds["resume" if resume else "manifest"] = time.monotonic() - started
    summary = _summary("move", redact(source), redact(dest), manifest_path, manifest, resumed=resume)
    summary.source_changes = {k: len(v) for k, v in changes.items() if v}
    summary.source_change_examples = {k: v[0] for k, v in changes.items() if v}
    summary.not_moved = unmovable
    summary.seconds = seconds
    interrupted: str | None = None
    try:
        proven = _prove_streamed(summary, stream, manifest, parallel, progress) if stream else set()
        _deliver(summary, source, dest, manifest, state, state_file, rclone, log, parallel, max_failures, hasher,
                 progress, proven, stream.listing if stream else None)
        # Nothing copied after the streams: the source's listing taken once they ended is the run's last one.
        last = stream.source_listing if stream and summary.copied == len(proven) else None
        _source_moved_on(summary, source, manifest, rclone, parallel, log, hasher, progress, last)
        _removed_still_there(summary, changes.get("removed", []))
    except RcloneError as exc:  # the destination could not be listed or read: a failed run, resumable
        summary.failure = f"{exc}; the state is saved: re-run with --resume"
        summary.verified = len(state.verified)
    except KeyboardInterrupt as exc:  # SIGINT or SIGTERM (rclone.Interrupted): rclone is stopped
        interrupted = str(exc) or "SIGINT"
        summary.failure = f"interrupted by {interrupted}"
        raise
    finally:
        if unmovable and summary.failure is None:
            summary.failure = (f"{len(unmovable)} entr{'y' if len(unmovable) == 1 else 'ies'} of the source "
                               f"not moved: not regular files, e.g. {unmovable[0]['path']!r} "
                               f"({unmovable[0]['kind']})")
        state.runs.append({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "resumed": resume,
                           "ok": summary.ok, "copied": summary.copied, "mismatches": len(summary.mismatches),
                           "source_changes": summary.source_changes, "not_moved": len(unmovable),
                           "altered": len(summary.altered), "interrupted": interrupted, "failure": summary.failure})
        state.save(state_file)
    return summary


def _ahead(call: Callable[[str], Listing], path: str) -> Callable[[], Listing]:
    """`call(path)` started now, in a thread of its own (a daemon: a run refused meanwhile does not wait for
    it); the function returned waits for its result, or raises its error."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call(path)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the result
            box["error"] = exc

    thread = threading.Thread(target=run, name="hdhport-ahead", daemon=True)
    thread.start()

    def result() -> Listing:
        thread.join()
        if "error" in box:
            raise box["error"]
        value: Listing = box["value"]
        return value
    return result


def _prove_streamed(summary: Summary, stream: Stream, manifest: Manifest, parallel: int,
                    progress: Progress) -> set[str]:
    """The objects Stream sent that are proven at the destination, counted as copied by this run."""
    if not stream.sent:
        return set()
    started = time.monotonic()
    proven = stream.proven(manifest.by_path(), parallel, progress)
    summary.copied += len(proven)
    summary.seconds["verify"] = summary.seconds.get("verify", 0.0) + time.monotonic() - started
    return proven


def _removed_still_there(summary: Summary, removed: list[str]) -> None:
    """Objects the source lost since the previous manifest stay at the destination (nothing is ever deleted):
    each is named as removed at the source, and the run says what to do."""
    gone = set(removed)
    still = [m.path for m in summary.mismatches if m.kind == "unexpected" and m.path in gone]
    if not still:
        return
    summary.mismatches = [replace(m, expected=REMOVED_AT_SOURCE) if m.kind == "unexpected" and m.path in gone else m
                          for m in summary.mismatches]
    if summary.failure is None:
        summary.failure = (f"{len(still)} object(s) removed at the source since the previous manifest are still at "
                           f"the destination, e.g. {still[0]!r}: the manifest, made again on --resume, no longer "
                           "lists them and hdhport never deletes; delete them at the destination to carry the "
                           "removal over (or restore them at the source), then run --resume again")


def _source_moved_on(summary: Summary, source: str, manifest: Manifest, rclone: Rclone, parallel: int, log: Path,
                     hasher: Hasher, progress: Progress, listed: Listing | None = None) -> None:
    """After the run: list the source again (`listed`: a listing taken after the run's last copy), and hash
    again the objects the read-back found different, so that what changed at the source during the run is
    named, not verified against a stale manifest."""
    recorded = {e.path: e.size for e in manifest.entries}
    now = (listed or rclone.list(source)).sizes
    added = sorted(now.keys() - recorded.keys())
    removed = sorted(recorded.keys() - now.keys())
    changed = {p for p in now.keys() & recorded.keys() if now[p] != recorded[p]}
    suspects = sorted(m.path for m in summary.mismatches if m.kind in ("sha256", "size") and m.path in now
                      and m.path not in changed)
    if suspects:
        progress(f"checking {len(suspects)} object(s) at the source again")
        entries = manifest.by_path()
        again = hash_objects(rclone, source, now, suspects, jobs=parallel, log=log, progress=progress,
                             what="source", hasher=hasher)
        changed |= {p for p, h in again.items() if h is not None and h.sha256 != entries[p].sha256}
    parts = [f"{len(names)} {what} (e.g. {names[0]!r})"
             for what, names in (("added", added), ("changed", sorted(changed)), ("removed", removed)) if names]
    if parts and summary.failure is None:
        summary.failure = ("the source changed during the run: " + ", ".join(parts) + "; the manifest holds the "
                           "source as it was when the run began: run again with --resume to move the changes")


def _deliver(summary: Summary, source: str, dest: str, manifest: Manifest, state: State, state_file: Path,
             rclone: Rclone, log: Path, parallel: int, max_failures: int, hasher: Hasher, progress: Progress,
             proven: set[str] | None = None, listed: Listing | None = None) -> None:
    """Check, copy, verify; an RcloneError on the way leaves the state as verified so far, for --resume.
    `proven`: objects this run sent during the manifest and proved at the destination (_prove_streamed);
    `listed`: the destination as listed since (nothing wrote it after), else it is listed here."""
    entries = manifest.by_path()
    # What an earlier run verified is read back again, never taken from the state: the destination may have
    # been altered since, and a cut-over relies on what the last --resume reports. From here the state's
    # "verified" holds what this run read back and found equal to the manifest.
    earlier, state.verified = state.verified & entries.keys(), set(proven or ())
    pending = list(manifest.entries)
    started = time.monotonic()
    there = (listed or rclone.list(dest)).sizes
    # An interrupted run may have delivered objects it had no time to verify: check them rather than copy.
    candidates = [e.path for e in pending if e.path not in state.verified and there.get(e.path) == e.size]
    if candidates:
        progress(f"checking {len(candidates)} object(s) already at the destination")
        found = hash_objects(rclone, dest, there, candidates, jobs=parallel, log=log, progress=progress,
                             what="check", hasher=hasher)
        good = {p for p, h in found.items() if h is not None and h == Hashed(entries[p].size, entries[p].sha256)}
        state.verified |= good
        summary.already_there = len(good)
        state.save(state_file)
    summary.altered = sorted(earlier - state.verified)
    if summary.altered:
        progress(f"{len(summary.altered)} object(s) an earlier run verified are missing or different at the "
                 f"destination, e.g. {summary.altered[0]!r}: copying them again from the source")
    summary.seconds["check"] = time.monotonic() - started
    to_copy = [e.path for e in pending if e.path not in state.verified]
    if to_copy:
        started = time.monotonic()
        progress(f"copying {len(to_copy)} object(s) to {redact(summary.dest)}")
        early = ReadBack(rclone, dest, entries, to_copy, parallel, log) if hasher == "auto" else None
        try:
            rclone.copy(source, dest, to_copy, log, parallel, max_failures,
                        on_copied=early.copied if early else None,
                        skip_checksum=early is not None and remote_name(dest) is None)
        finally:
            found = early.finish() if early else {}
        summary.copied += len(to_copy)
        summary.seconds["copy"] = time.monotonic() - started
        started = time.monotonic()
        progress(f"verifying {len(to_copy) - len(found)} object(s) at {redact(summary.dest)}")
        there = rclone.list(dest).sizes  # what the read-back and the final check find
        found |= hash_objects(rclone, dest, there, [p for p in to_copy if p not in found], jobs=parallel, log=log,
                              progress=progress, what="verify", hasher=hasher)
        for path in to_copy:
            mismatch = _compare(entries[path], found[path])
            if mismatch is None:
                state.verified.add(path)
            else:
                summary.mismatches.append(mismatch)
        summary.seconds["verify"] = summary.seconds.get("verify", 0.0) + time.monotonic() - started
    _final_check(summary, dest, manifest, state, rclone, there)


class ReadBack:
    """The read-back during the copy: each object rclone reports copied (it reports an object once it is
    written and closed) is read and hashed at the destination at once, beside the objects still in flight.

    A local destination's files are hashed here; on a remote, large objects go through `rclone cat` one by
    one and small ones through one `rclone hashsum --download` per batch of what arrived meanwhile. Only a
    confirmation counts: an object whose digest (and, read here, size) equals the manifest's. Anything else,
    an object reported twice (rclone retried it: never judged on a read that came before its last write), a
    read that failed, or a name that does not parse as one asked for, is read again after the copy."""

    BATCH = 256

    def __init__(self, rclone: Rclone, dest: str, entries: dict[str, Entry], paths: Iterable[str], jobs: int,
                 log: Path) -> None:
        self.rclone, self.dest, self.entries, self.jobs, self.log = rclone, dest, entries, jobs, log
        self.wanted = set(paths)
        self.local_dest = remote_name(dest) is None
        self.queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.workers = [threading.Thread(target=self._work, name="hdhport-read-back", daemon=True)
                        for _ in range(max(1, jobs))]
        for worker in self.workers:
            worker.start()
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.seen: set[str] = set()
        self.repeated: set[str] = set()
        self.confirmed: set[str] = set()
        self.batch: list[str] = []
        self.closing = False
        self.batcher = threading.Thread(target=self._batches, name="hdhport-read-back", daemon=True)
        if not self.local_dest:
            self.batcher.start()

    def copied(self, name: str) -> None:
        if name not in self.wanted:
            return
        with self.lock:
            if name in self.seen:
                self.repeated.add(name)
                return
            self.seen.add(name)
            if not self.local_dest and self.entries[name].size < LARGE:
                self.batch.append(name)
                if len(self.batch) >= self.BATCH:
                    self.arrived.notify()
                return
        self.queue.put(name)

    def _work(self) -> None:
        buffer = bytearray(_CHUNK)
        while (name := self.queue.get()) is not None:
            try:
                self._one(name, buffer)
            except Exception:  # noqa: BLE001 - a read that failed confirms nothing: read again after the copy
                continue

    def _one(self, name: str, buffer: bytearray) -> None:
        if self.local_dest:
            file = local_file(self.dest, name)
            hashed = hash_file(file, buffer) if file is not None else None
        else:
            hashed = Hashed(*self.rclone.cat_sha256(self.dest, name, buffer))
        entry = self.entries[name]
        if hashed == Hashed(entry.size, entry.sha256):
            with self.lock:
                self.confirmed.add(name)

    def _batches(self) -> None:
        while True:
            with self.lock:
                self.arrived.wait_for(lambda: self.closing or len(self.batch) >= self.BATCH, timeout=0.5)
                if self.closing:
                    return  # what is left is read after the copy, with the rest
                names, self.batch = self.batch, []
            if not names:
                continue
            try:
                digests = self.rclone.hashsum(self.dest, names, self.log, self.jobs)
            except Exception:  # noqa: BLE001 - a failed batch confirms nothing: read again after the copy
                continue
            with self.lock:
                self.confirmed |= {n for n, d in digests.items() if n in self.entries and d == self.entries[n].sha256}

    def finish(self) -> dict[str, Hashed | None]:
        """The objects confirmed, as the read-back after the copy would report them."""
        with self.lock:
            self.closing = True
            self.arrived.notify()
        if self.batcher.is_alive():
            self.batcher.join()
        for _ in self.workers:
            self.queue.put(None)
        for worker in self.workers:
            worker.join()
        with self.lock:
            return {p: Hashed(self.entries[p].size, self.entries[p].sha256)
                    for p in self.confirmed - self.repeated}


def _final_check(summary: Summary, dest: str, manifest: Manifest, state: State, rclone: Rclone,
                 there: dict[str, int] | None) -> None:
    """Everything in the manifest is at the destination with its size, and nothing else is, by the listing
    taken after the copy, or the one before the check when nothing was copied (nothing writes the
    destination after either), or a new one."""
    if there is None:
        there = rclone.list(dest).sizes
    reported = {m.path for m in summary.mismatches}
    for entry in manifest.entries:
        size = there.get(entry.path)
        if entry.path in reported:
            continue
        if size is None:
            summary.mismatches.append(Mismatch(entry.path, "missing", f"{entry.size} bytes"))
        elif size != entry.size:
            summary.mismatches.append(Mismatch(entry.path, "size", f"{entry.size} bytes", f"{size} bytes"))
        else:
            continue
        state.verified.discard(entry.path)
    expected = manifest.by_path()
    summary.mismatches += [Mismatch(p, "unexpected", found=f"{s} bytes") for p, s in sorted(there.items())
                           if p not in expected]
    summary.mismatches.sort()
    summary.verified = len(state.verified & set(expected))


def _compare(entry: Entry, hashed: Hashed | None) -> Mismatch | None:
    if hashed is None:
        return Mismatch(entry.path, "missing", f"{entry.size} bytes")
    if hashed.size != entry.size:
        return Mismatch(entry.path, "size", f"{entry.size} bytes", f"{hashed.size} bytes")
    if hashed.sha256 != entry.sha256:
        return Mismatch(entry.path, "sha256", entry.sha256, hashed.sha256)
    return None


def _drift_sizes(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def _make_folder(manifest_path: Path) -> None:
    """The manifest's folder, created when missing (its state file and rclone log sit there too)."""
    try:
        manifest_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError([Problem(str(manifest_path), 1, 1, "", f"cannot create the manifest's folder "
                                  f"{str(manifest_path.parent)!r}: {exc.strerror}")]) from None


def _summary(operation: Literal["move", "verify"], source: str | None, dest: str, path: Path, manifest: Manifest,
             resumed: bool = False) -> Summary:
    return Summary(operation, source, dest, str(path), manifest.sha256, len(manifest.entries), manifest.bytes,
                   resumed=resumed)


# ---------------------------------------------------------------------- verification alone


def verify(dest: str, manifest_path: Path, *, rclone: Rclone, parallel: int = 8, hasher: Hasher = "auto",
           progress: Progress = lambda _: None) -> Summary:
    """Re-read every object at `dest` and compare it with the manifest (for an attestation, or after a
    suspected alteration). Objects found wrong are no longer counted as verified by a resumable run."""
    check_manifest_path(manifest_path, None, dest, rclone)
    manifest = manifests.read(manifest_path)
    rclone.check_path(dest, "DEST")
    summary = _summary("verify", None, redact(dest), manifest_path, manifest)
    started = time.monotonic()
    listing = rclone.list(dest)
    progress(f"verifying {len(manifest.entries)} object(s) at {redact(dest)}")
    found = hash_objects(rclone, dest, listing.sizes, [e.path for e in manifest.entries if e.path in listing.sizes],
                         jobs=parallel, log=log_path(manifest_path), progress=progress, what="verify", hasher=hasher)
    good: set[str] = set()
    for entry in manifest.entries:
        mismatch = _compare(entry, found.get(entry.path))
        if mismatch is None:
            good.add(entry.path)
        else:
            summary.mismatches.append(mismatch)
    expected = manifest.by_path()
    summary.mismatches += [Mismatch(p, "unexpected", found=f"{s} bytes") for p, s in sorted(listing.sizes.items())
                           if p not in expected]
    summary.mismatches.sort()
    summary.verified = len(good)
    summary.seconds["verify"] = time.monotonic() - started
    state_file = state_path(manifest_path)
    if state_file.exists():
        state = State.load(state_file)
        if redact(state.dest) == redact(dest) and state.manifest_sha256 == manifest.sha256:
            state.verified &= good
            state.save(state_file)
    return summary
