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
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from hdhport.errors import InputError, Problem
from hdhport.migrate import manifest as manifests
from hdhport.migrate.ledger import BATCH, Ledger, Names
from hdhport.migrate.manifest import Entry
from hdhport.migrate.rclone import (LOCAL_REWRITTEN, HttpReader, Listing, Rclone, RcloneError, Streamed, Walk,
                                    remote_name)
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


class State:
    """What is verified at the destination, for `--resume`; tied to one manifest, source and destination. The
    verified objects are the ledger's table "verified", read from and written to the state file streaming."""

    def __init__(self, manifest_sha256: str, source: str, dest: str, ledger: Ledger,
                 runs: list[dict[str, Any]] | None = None) -> None:
        self.manifest_sha256, self.source, self.dest, self.ledger = manifest_sha256, source, dest, ledger
        self.runs: list[dict[str, Any]] = runs if runs is not None else []

    @staticmethod
    def empty(manifest_sha256: str, source: str, dest: str, ledger: Ledger) -> State:
        ledger.names("verified")
        return State(manifest_sha256, source, dest, ledger)

    def count(self, within: str | None = None) -> int:
        """Objects verified (those of the table `within` only, when given)."""
        if within is None:
            return self.ledger.count("SELECT path FROM verified")
        return self.ledger.count(f"SELECT v.path FROM verified v JOIN {within} m ON m.path = v.path")

    def save(self, path: Path) -> None:
        """The state file, written streaming: the layout json.dumps(indent=1) gives, one verified name a line."""
        head = json.dumps({"format": STATE_FORMAT, "manifest_sha256": self.manifest_sha256, "source": self.source,
                           "dest": self.dest}, indent=1, ensure_ascii=False)

        def chunks() -> Iterator[bytes]:
            yield (head[:-2] + ',\n "verified": [').encode("utf-8")
            first = True
            for (name,) in self.ledger.rows("SELECT path FROM verified"):
                yield (("\n  " if first else ",\n  ") + json.dumps(name, ensure_ascii=False)).encode("utf-8")
                first = False
            yield ("]" if first else "\n ]").encode("utf-8")
            runs = json.dumps(self.runs, indent=1, ensure_ascii=False).replace("\n", "\n ")
            yield f',\n "runs": {runs}\n}}\n'.encode("utf-8")
        manifests.write_atomic(path, chunks())

    @staticmethod
    def load(path: Path, ledger: Ledger) -> State:
        """The state file, its verified names streamed into the ledger (a state file of another layout, e.g.
        written by hand, is read whole)."""
        ledger.names("verified")
        rest: list[bytes] = []
        pending: list[tuple[str]] = []
        inside, streamed = False, False
        try:
            with manifests.open_regular(path, "state file") as handle:
                for raw in handle:
                    line = raw.strip()
                    if inside:
                        if line in (b"]", b"],"):
                            inside = False
                            rest.append(raw)
                        else:
                            pending.append((str(json.loads(line[:-1] if line.endswith(b",") else line)),))
                            if len(pending) >= BATCH:
                                ledger.insert("verified", pending, replace=True)
                                pending = []
                        continue
                    if line == b'"verified": [':
                        inside = streamed = True
                    rest.append(raw)
            ledger.insert("verified", pending, replace=True)
            data = json.loads(b"".join(rest).decode("utf-8"))
            if data.get("format") != STATE_FORMAT:
                raise ValueError(f"expected format '{STATE_FORMAT}'")
            if not streamed:
                ledger.insert("verified", ((str(p),) for p in data["verified"]), replace=True)
            elif data["verified"] != []:
                raise ValueError("verified: expected a list of names")
            return State(str(data["manifest_sha256"]), str(data["source"]), str(data["dest"]), ledger,
                         list(data.get("runs", [])))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
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


def _hash_into(ledger: Ledger, table: str, sql: str, rclone: Rclone, remote: str, *, jobs: int, log: Path,
               progress: Progress, what: str, hasher: Hasher = "auto", stream: Stream | None = None) -> None:
    """hash_objects of the (path, listed size or NULL) rows of `sql`, BATCH objects at a time, each result
    written to the ledger's entries table `table` (sha256 NULL: absent): memory flat with the object count."""
    total, done, last = ledger.count(sql), 0, time.monotonic()
    for chunk in ledger.batches(sql):
        sizes = {p: s for p, s in chunk if s is not None}
        found = hash_objects(rclone, remote, sizes, [p for p, _ in chunk], jobs=jobs, log=log, progress=progress,
                             what=what, hasher=hasher, stream=stream)
        ledger.insert(table, ((p, None if h is None else h.size, None if h is None else h.sha256)
                              for p, h in found.items()), replace=True)
        done += len(chunk)
        if time.monotonic() - last > 10 and done < total:
            last = time.monotonic()
            progress(f"{what}: {done}/{total} objects")


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
    """Where an rclone path leads, so that two spellings of one place compare equal: the first of its leads
    (see overlap.Resolver.leads, which follows `:local:`, `local`, `alias`, the wrapper remotes, `union` and
    `combine`); a crypt remote's place below its remote is shown as `place/...`."""
    from hdhport.migrate import overlap
    found = overlap.Resolver(rclone).leads(path, depth)
    return found[0].place + ("/..." if found[0].hidden else "") if found else path


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder if folder.endswith((":", "/")) else folder + "/")


def check_paths(source: str, dest: str, rclone: Rclone | None = None) -> None:
    """Refuse a destination that is the source or overlaps it: a copy there would read what it writes.
    Compared where they lead (see overlap.Resolver), so `//`, `/./`, a symbolic link to the source, `:local:`
    and a `local`, `alias`, `crypt`, `chunker`, `compress`, `hasher`, `cache`, `union` or `combine` remote
    into the source are caught (a union or combine when any of its upstreams is); a wrapper remote whose
    underlying place cannot be told is refused."""
    from hdhport.migrate import overlap
    resolver = overlap.Resolver(rclone)
    sources = resolver.checked_leads(source, "SOURCE", "destination")
    dests = resolver.checked_leads(dest, "DEST", "source")
    try:
        met = next(((s, d) for s in sources for d in dests if resolver.meet(s, d)), None)
    except overlap.Unresolved as exc:
        raise InputError([Problem.argument("DEST", f"cannot tell whether {redact(dest)!r} overlaps the source "
                                  f"{redact(source)!r}: {exc}")]) from None
    if met is not None:
        real_source, real_dest = str(met[0]), str(met[1])
        resolved = (real_source, real_dest) != (source.rstrip("/"), dest.rstrip("/"))
        raise InputError([Problem.argument("DEST", f"{redact(dest)!r} overlaps the source {redact(source)!r}"
                                  + (f" (they lead to {redact(real_dest)!r} and {redact(real_source)!r})"
                                     if resolved else "") + "; move to another container or prefix")])


def check_manifest_path(manifest_path: Path, source: str | None, dest: str, rclone: Rclone | None = None) -> None:
    """The manifest, its state file and log must be regular files (or not exist yet), outside a local source
    (which is never modified) and outside a local destination (where they would be unexpected objects),
    wherever the source and destination lead (see check_paths).
    `source` is None for `verify`, which reads the manifest (and writes its state and log)."""
    from hdhport.migrate import overlap
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
    folder = overlap.Lead(os.path.realpath(os.path.abspath(manifest_path.parent)))
    resolver = overlap.Resolver(rclone)
    for role, where in (("source", source), ("destination", dest)):
        if where is None:
            continue
        try:
            leads = resolver.checked_leads(where, "SOURCE" if role == "source" else "DEST", "manifest")
            inside = any(lead.local and resolver.within(folder, lead) for lead in leads)
        except overlap.Unresolved as exc:
            raise InputError([Problem(str(manifest_path), 1, 1, "", f"cannot tell whether the manifest is inside "
                                      f"the {role} {redact(where)!r}: {exc}")]) from None
        if inside:
            where_it_is = "would be written inside" if use == "write" else "and its state and log would be inside"
            raise InputError([Problem(str(manifest_path), 1, 1, "", f"the manifest {where_it_is} the "
                                      f"{role} {redact(where)!r}; choose a --manifest outside it")])


def local_unmovable(source: str, rclone: Rclone | None = None) -> list[dict[str, str]]:
    """Entries of a local source that rclone would skip with a mere NOTICE: symbolic links, FIFOs,
    sockets, devices. A name that is not UTF-8 is refused: rclone would rewrite it and lose the object.
    A source given as `:local:`, through a `local` remote or an alias of one (read with `rclone`) is the
    local folder it leads to."""
    from hdhport.migrate import overlap
    root: str | None = source
    if remote_name(source) is not None:
        root = overlap.Resolver(rclone).local_root(source)
    if root is None or not os.path.isdir(root):
        return []
    found: list[dict[str, str]] = []
    stack = [""]
    while stack:
        relative = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(root, relative)))
        except OSError:
            continue  # rclone's listing reports what it cannot read
        for entry in entries:
            name = posixpath.join(relative, entry.name) if relative else entry.name
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                shown = os.fsencode(name).decode("utf-8", errors="backslashreplace")
                raise InputError([Problem.argument("SOURCE", f"{shown!r} is not a UTF-8 name: rclone would copy "
                                          "it under another name; rename it first")]) from None
            try:
                if entry.is_dir(follow_symlinks=False):  # the type readdir gave: no stat per entry
                    stack.append(name)
                elif not entry.is_file(follow_symlinks=False):
                    found.append({"path": name, "kind": manifests.kind(entry.stat(follow_symlinks=False).st_mode)})
            except OSError:
                continue  # gone since it was listed (a /proc fd...) or unreadable: rclone's listing reports it
    return sorted(found, key=lambda e: e["path"])


def _unsupported_names(paths: Iterable[str]) -> list[str]:
    # rclone's --files-from-raw takes one name per line: a name holding a line break cannot be listed.
    return [p for p in paths if "\n" in p or "\r" in p]


def _hash_source(ledger: Ledger, rclone: Rclone, source: str, parallel: int, log: Path, hasher: Hasher,
                 progress: Progress, what: str, stream: Stream | None = None) -> None:
    """The source's objects (the ledger's listing "source") as the manifest records them, each read and hashed
    now (with `stream`, its large objects sent on to the destination as they are read), into the ledger's
    table "manifest"; the source listed again after ("source_after")."""
    bad = _unsupported_names(p for (p,) in ledger.rows("SELECT path FROM source"))
    if bad:
        raise InputError([Problem.argument("SOURCE", f"object name with a line break, which rclone cannot "
                                                     f"be given: {bad[0]!r}")])
    progress(f"{what}: hashing {ledger.count('SELECT path FROM source')} objects at {redact(source)}")
    ledger.entries("manifest")
    _hash_into(ledger, "manifest", "SELECT path, size FROM source", rclone, source, jobs=parallel, log=log,
               progress=progress, what=what, hasher=hasher, stream=stream)
    if stream is not None:
        stream.ask_store()
    vanished = ledger.first("SELECT path FROM manifest WHERE sha256 IS NULL ORDER BY path")
    if vanished:
        raise RcloneError(f"{ledger.count('SELECT path FROM manifest WHERE sha256 IS NULL')} object(s) disappeared "
                          f"from the source while hashing, e.g. {vanished[0]!r}; the source must be frozen during a move")
    # The sizes the manifest records must be those of the bytes hashed: a second listing catches an
    # object that changed size between the listing and its hashing (the stream hasher counts them).
    hashed_size = "SELECT m.path AS path FROM manifest m JOIN source s ON s.path = m.path WHERE m.size != s.size"
    ledger.load("source_after", rclone.walk(source), lambda: rclone.walk(source, local=False))
    drift = ("SELECT s.path AS path FROM source s LEFT JOIN source_after a ON a.path = s.path "
             "WHERE a.size IS NULL OR a.size != s.size UNION ALL SELECT a.path AS path FROM source_after a "
             "WHERE NOT EXISTS (SELECT 1 FROM source s WHERE s.path = a.path)")
    changed = ledger.count(hashed_size) + ledger.count(drift)
    if changed:
        example = (ledger.first(hashed_size + " ORDER BY m.path") or ledger.first(f"SELECT path FROM ({drift}) "
                                                                                  "ORDER BY path"))[0]
        raise RcloneError(f"{changed} object(s) changed at the source while hashing, e.g. "
                          f"{example!r}; the source must be frozen during a move")


#: what the source gained, changed and lost since the previous manifest (tables "manifest" and "previous")
_CHANGES = {
    "added": "SELECT m.path AS path FROM manifest m WHERE NOT EXISTS (SELECT 1 FROM previous p WHERE p.path = m.path)",
    "changed": "SELECT m.path AS path FROM manifest m JOIN previous p ON p.path = m.path "
               "WHERE p.size != m.size OR p.sha256 != m.sha256",
    "removed": "SELECT p.path AS path FROM previous p WHERE NOT EXISTS (SELECT 1 FROM manifest m WHERE m.path = p.path)"}


def _changes(ledger: Ledger) -> dict[str, tuple[int, str]]:
    """Each kind of change with its count and its first object by path; "removed" kept as a table."""
    found: dict[str, tuple[int, str]] = {}
    for kind, sql in _CHANGES.items():
        count = ledger.count(sql)
        if count:
            found[kind] = (count, ledger.first(f"SELECT path FROM ({sql}) ORDER BY path")[0])
    ledger.names("removed")
    ledger.execute(f"INSERT INTO removed {_CHANGES['removed']}")
    return found


def _load_manifest(ledger: Ledger, path: Path, table: str) -> manifests.Scanned:
    """A manifest file streamed into the ledger's entries table `table`."""
    ledger.entries(table)
    pending: list[tuple[str, int, str]] = []

    def take(entry: Entry) -> None:
        pending.append((entry.path, entry.size, entry.sha256))
        if len(pending) >= BATCH:
            ledger.insert(table, pending)
            pending.clear()
    scanned = manifests.scan_counted(path, take)
    ledger.insert(table, pending)
    return scanned


def _write_manifest(ledger: Ledger, path: Path) -> tuple[str, int, int]:
    """The ledger's table "manifest" written as the manifest file, streaming: its SHA-256, objects and bytes."""
    objects, size = ledger.row("SELECT count(*), coalesce(sum(size), 0) FROM manifest") or (0, 0)
    return manifests.write_lines(path, ledger.entry_rows("manifest"), objects, size), objects, size


def move(source: str, dest: str, manifest_path: Path, *, rclone: Rclone, resume: bool = False,
         parallel: int = 8, max_failures: int = 10, hasher: Hasher = "auto",
         progress: Progress = lambda _: None) -> Summary:
    """The verified move; `parallel` objects hashed, copied and read back at once (see hash_objects for
    what each `hasher` guarantees). Everything held per object lives in a Ledger beside the manifest."""
    # A remote source's listing (only reads) is started at once, beside the checks (rclone processes too).
    walking = rclone.walk(source) if remote_name(source) is not None else None
    try:
        check_paths(source, dest, rclone)
        check_manifest_path(manifest_path, source, dest, rclone)
        state_file = state_path(manifest_path)
        if not resume and (manifest_path.exists() or state_file.exists()):
            raise InputError([Problem(str(manifest_path), 1, 1, "", "a manifest of an earlier run is here: pass "
                                      "--resume to continue it, or choose another --manifest")])
        if resume and not (manifest_path.exists() and state_file.exists()):
            raise InputError([Problem(str(manifest_path), 1, 1, "", "nothing to resume: no manifest and state "
                                      f"file here ({state_file.name}); start without --resume")])
        rclone.check_path(source, "SOURCE")
        rclone.check_path(dest, "DEST")
        unmovable = local_unmovable(source, rclone)
        _make_folder(manifest_path)
        ledger = Ledger(manifest_path.parent, manifest_path.name)
    except BaseException:
        if walking is not None:
            walking.close()
        raise
    try:
        return _move(source, dest, manifest_path, rclone, resume, parallel, max_failures, hasher, progress,
                     walking, unmovable, ledger)
    finally:
        if walking is not None:
            walking.close()
        ledger.close()


def _move(source: str, dest: str, manifest_path: Path, rclone: Rclone, resume: bool, parallel: int,
          max_failures: int, hasher: Hasher, progress: Progress, walking: Walk | None,
          unmovable: list[dict[str, str]], ledger: Ledger) -> Summary:
    state_file, log = state_path(manifest_path), log_path(manifest_path)
    previous: manifests.Scanned | None = None
    if resume:
        previous, state = _load_manifest(ledger, manifest_path, "previous"), State.load(state_file, ledger)
        if state.manifest_sha256 != previous.sha256:
            raise InputError([Problem(str(state_file), 1, 1, "", "this state belongs to another manifest "
                                      f"(sha256 {state.manifest_sha256[:12]}...), not {manifest_path.name}")])
        if (redact(state.source), redact(state.dest)) != (redact(source), redact(dest)):
            raise InputError([Problem(str(state_file), 1, 1, "", f"this run moved {redact(state.source)!r} to "
                                      f"{redact(state.dest)!r}; resume it with the same SOURCE and DEST")])
    seconds: dict[str, float] = {}
    started = time.monotonic()
    # A first run from a remote source sends its large objects on as the manifest reads them (Stream); not
    # within one remote, where rclone copies on the server's side and the bytes never cross this machine.
    stream = (Stream(rclone, dest, log) if not resume and hasher == "auto" and remote_name(source) is not None
              and remote_name(source) != remote_name(dest) else None)
    progress(f"listing {redact(source)}")
    if not ledger.load("source", walking or rclone.walk(source), lambda: rclone.walk(source, local=False)):
        raise InputError([Problem.argument("SOURCE", f"{redact(source)!r} does not exist")])
    seconds["listing"] = time.monotonic() - started
    started = time.monotonic()
    # On --resume too, every object is read again: a size can stay the same while the content changes, and
    # the last --resume of a cut-over must carry every change made since the manifest.
    _hash_source(ledger, rclone, source, parallel, log, hasher, progress, "resume" if resume else "manifest", stream)
    changes: dict[str, tuple[int, str]] = {}
    if previous is not None:
        changes = _changes(ledger)
        sha256, objects, size = previous.sha256, previous.objects, previous.bytes
        if changes:
            sha256, objects, size = _write_manifest(ledger, manifest_path)
            # What an earlier run verified stays so only for an object the new manifest records alike.
            ledger.execute("DELETE FROM verified WHERE NOT EXISTS (SELECT 1 FROM previous p JOIN manifest m ON "
                           "m.path = p.path WHERE p.path = verified.path AND m.size = p.size AND m.sha256 = p.sha256)")
            state.manifest_sha256 = sha256
            state.save(state_file)
    else:
        sha256, objects, size = _write_manifest(ledger, manifest_path)
        state = State.empty(sha256, redact(source), redact(dest), ledger)
        state.save(state_file)
    seconds["resume" if resume else "manifest"] = time.monotonic() - started
    summary = _summary("move", redact(source), redact(dest), manifest_path, sha256, objects, size, resumed=resume)
    summary.source_changes = {k: n for k, (n, _) in changes.items()}
    summary.source_change_examples = {k: first for k, (_, first) in changes.items()}
    summary.not_moved = unmovable
    summary.seconds = seconds
    interrupted: str | None = None
    try:
        proven = _prove_streamed(summary, stream, ledger, parallel, progress) if stream else set()
        _deliver(summary, source, dest, ledger, state, state_file, rclone, log, parallel, max_failures, hasher,
                 progress, proven, stream.listing if stream else None)
        # Nothing copied after the streams: the source's listing taken once they ended is the run's last one.
        last = stream is not None and summary.copied == len(proven)
        _source_moved_on(summary, source, ledger, rclone, parallel, log, hasher, progress, last)
        _removed_still_there(summary, ledger, "removed" in changes)
    except RcloneError as exc:  # the destination could not be listed or read: a failed run, resumable
        summary.failure = f"{exc}; the state is saved: re-run with --resume"
        summary.verified = state.count()
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


def _prove_streamed(summary: Summary, stream: Stream, ledger: Ledger, parallel: int,
                    progress: Progress) -> set[str]:
    """The objects Stream sent that are proven at the destination, counted as copied by this run."""
    if not stream.sent:
        return set()
    started = time.monotonic()
    entries = {p: e for p in stream.sent if (e := ledger.entry("manifest", p)) is not None}
    proven = stream.proven(entries, parallel, progress)
    summary.copied += len(proven)
    summary.seconds["verify"] = summary.seconds.get("verify", 0.0) + time.monotonic() - started
    return proven


def _removed_still_there(summary: Summary, ledger: Ledger, any_removed: bool) -> None:
    """Objects the source lost since the previous manifest stay at the destination (nothing is ever deleted):
    each is named as removed at the source, and the run says what to do."""
    if not any_removed:
        return

    def gone(m: Mismatch) -> bool:
        return m.kind == "unexpected" and ledger.one("SELECT 1 FROM removed WHERE path = ?", (m.path,)) is not None
    still = [m.path for m in summary.mismatches if gone(m)]
    if not still:
        return
    summary.mismatches = [replace(m, expected=REMOVED_AT_SOURCE) if gone(m) else m for m in summary.mismatches]
    if summary.failure is None:
        summary.failure = (f"{len(still)} object(s) removed at the source since the previous manifest are still at "
                           f"the destination, e.g. {still[0]!r}: the manifest, made again on --resume, no longer "
                           "lists them and hdhport never deletes; delete them at the destination to carry the "
                           "removal over (or restore them at the source), then run --resume again")


def _source_moved_on(summary: Summary, source: str, ledger: Ledger, rclone: Rclone, parallel: int, log: Path,
                     hasher: Hasher, progress: Progress, listed: bool = False) -> None:
    """After the run: list the source again (`listed`: the ledger's "source_after", taken after the run's last
    copy, serves), and hash again the objects the read-back found different, so that what changed at the
    source during the run is named, not verified against a stale manifest."""
    table = "source_after" if listed else "source_now"
    if not listed:
        ledger.load(table, rclone.walk(source), lambda: rclone.walk(source, local=False))
    added = f"SELECT n.path AS path FROM {table} n WHERE NOT EXISTS (SELECT 1 FROM manifest m WHERE m.path = n.path)"
    removed = f"SELECT m.path AS path FROM manifest m WHERE NOT EXISTS (SELECT 1 FROM {table} n WHERE n.path = m.path)"
    resized = f"SELECT m.path AS path FROM manifest m JOIN {table} n ON n.path = m.path WHERE n.size != m.size"
    size_of = f"SELECT size FROM {table} WHERE path = ?"
    suspects = sorted({m.path: ledger.one(size_of, (m.path,)) for m in summary.mismatches
                       if m.kind in ("sha256", "size")}.items())
    suspects = [(p, s) for p, s in suspects
                if s is not None and ledger.one("SELECT size FROM manifest WHERE path = ?", (p,)) == s]
    changed_again: list[str] = []
    if suspects:
        progress(f"checking {len(suspects)} object(s) at the source again")
        again = hash_objects(rclone, source, dict(suspects), [p for p, _ in suspects], jobs=parallel, log=log,
                             progress=progress, what="source", hasher=hasher)
        changed_again = sorted(p for p, h in again.items() if h is not None
                               and h.sha256 != ledger.one("SELECT sha256 FROM manifest WHERE path = ?", (p,)))
    parts = []
    for what, sql, extra in (("added", added, []), ("changed", resized, changed_again), ("removed", removed, [])):
        count = ledger.count(sql) + len(extra)
        if count:
            first = sorted(ledger.first(f"SELECT path FROM ({sql}) ORDER BY path") + extra[:1])[0]
            parts.append(f"{count} {what} (e.g. {first!r})")
    if parts and summary.failure is None:
        summary.failure = ("the source changed during the run: " + ", ".join(parts) + "; the manifest holds the "
                           "source as it was when the run began: run again with --resume to move the changes")


_NOT_VERIFIED = "NOT EXISTS (SELECT 1 FROM verified v WHERE v.path = m.path)"


def _deliver(summary: Summary, source: str, dest: str, ledger: Ledger, state: State, state_file: Path,
             rclone: Rclone, log: Path, parallel: int, max_failures: int, hasher: Hasher, progress: Progress,
             proven: set[str] | None = None, listed: Listing | None = None) -> None:
    """Check, copy, verify; an RcloneError on the way leaves the state as verified so far, for --resume.
    `proven`: objects this run sent during the manifest and proved at the destination (_prove_streamed);
    `listed`: the destination as listed since (nothing wrote it after), else it is listed here."""
    # What an earlier run verified is read back again, never taken from the state: the destination may have
    # been altered since, and a cut-over relies on what the last --resume reports. From here the state's
    # "verified" holds what this run read back and found equal to the manifest.
    ledger.names("earlier")
    ledger.execute("INSERT INTO earlier SELECT v.path FROM verified v JOIN manifest m ON m.path = v.path")
    ledger.execute("DELETE FROM verified")
    ledger.insert("verified", ((p,) for p in sorted(proven or ())))
    started = time.monotonic()
    if listed is not None:
        ledger.listing("dest")
        ledger.insert("dest", listed.sizes.items())
    else:
        ledger.load("dest", rclone.walk(dest), lambda: rclone.walk(dest, local=False))
    # An interrupted run may have delivered objects it had no time to verify: check them rather than copy.
    candidates = ("SELECT m.path AS path, m.size AS size FROM manifest m JOIN dest d ON d.path = m.path "
                  f"AND d.size = m.size WHERE {_NOT_VERIFIED}")
    count = ledger.count(candidates)
    if count:
        progress(f"checking {count} object(s) already at the destination")
        ledger.entries("found")
        _hash_into(ledger, "found", candidates, rclone, dest, jobs=parallel, log=log, progress=progress,
                   what="check", hasher=hasher)
        equal = ("SELECT f.path FROM found f JOIN manifest m ON m.path = f.path AND f.size = m.size "
                 "AND f.sha256 = m.sha256")
        summary.already_there = ledger.count(equal)
        ledger.execute(f"INSERT OR IGNORE INTO verified {equal}")
        state.save(state_file)
    summary.altered = [p for (p,) in ledger.rows(
        "SELECT e.path AS path FROM earlier e WHERE NOT EXISTS (SELECT 1 FROM verified v WHERE v.path = e.path)")]
    if summary.altered:
        progress(f"{len(summary.altered)} object(s) an earlier run verified are missing or different at the "
                 f"destination, e.g. {summary.altered[0]!r}: copying them again from the source")
    summary.seconds["check"] = time.monotonic() - started
    ledger.names("to_copy")
    ledger.execute(f"INSERT INTO to_copy SELECT m.path FROM manifest m WHERE {_NOT_VERIFIED}")
    count = ledger.count("SELECT path FROM to_copy")
    if count:
        started = time.monotonic()
        progress(f"copying {count} object(s) to {redact(summary.dest)}")
        ledger.entries("found")
        early = ReadBack(rclone, dest, ledger, parallel, log) if hasher == "auto" else None
        try:
            rclone.copy(source, dest, Names(ledger, "SELECT path FROM to_copy", count), log, parallel, max_failures,
                        on_copied=early.copied if early else None,
                        skip_checksum=early is not None and remote_name(dest) is None)
        finally:
            if early:
                early.finish()
        summary.copied += count
        summary.seconds["copy"] = time.monotonic() - started
        started = time.monotonic()
        rest = ("SELECT t.path AS path, d.size AS size FROM to_copy t LEFT JOIN dest d ON d.path = t.path "
                "WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.path = t.path)")
        progress(f"verifying {ledger.count(rest)} object(s) at {redact(summary.dest)}")
        ledger.load("dest", rclone.walk(dest), lambda: rclone.walk(dest, local=False))  # what the read-back
        # and the final check find
        _hash_into(ledger, "found", rest, rclone, dest, jobs=parallel, log=log, progress=progress, what="verify",
                   hasher=hasher)
        good: list[tuple[str]] = []
        for path, size, sha256, found_size, found_sha256 in ledger.rows(
                "SELECT t.path AS path, m.size, m.sha256, f.size, f.sha256 FROM to_copy t JOIN manifest m "
                "ON m.path = t.path LEFT JOIN found f ON f.path = t.path"):
            mismatch = _compare(Entry(path, size, sha256),
                                None if found_sha256 is None else Hashed(found_size, found_sha256))
            if mismatch is None:
                good.append((path,))
                if len(good) >= BATCH:
                    ledger.insert("verified", good, replace=True)
                    good = []
            else:
                summary.mismatches.append(mismatch)
        ledger.insert("verified", good, replace=True)
        summary.seconds["verify"] = summary.seconds.get("verify", 0.0) + time.monotonic() - started
    _final_check(summary, ledger, state)


class ReadBack:
    """The read-back during the copy: each object rclone reports copied (it reports an object once it is
    written and closed) is read and hashed at the destination at once, beside the objects still in flight.

    A local destination's files are hashed here; on a remote, large objects go through `rclone cat` one by
    one and small ones through one `rclone hashsum --download` per batch of what arrived meanwhile. Only a
    confirmation counts: an object whose digest (and, read here, size) equals the manifest's. Anything else,
    an object reported twice (rclone retried it: never judged on a read that came before its last write), a
    read that failed, or a name that does not parse as one asked for, is read again after the copy.
    What it sees and confirms is kept in the ledger (tables "seen", "repeated" and "found"), not in memory."""

    BATCH = 256

    def __init__(self, rclone: Rclone, dest: str, ledger: Ledger, jobs: int, log: Path) -> None:
        self.rclone, self.dest, self.ledger, self.jobs, self.log = rclone, dest, ledger, jobs, log
        ledger.names("seen")
        ledger.names("repeated")
        self.local_dest = remote_name(dest) is None
        self.queue: queue.SimpleQueue[tuple[str, Entry] | None] = queue.SimpleQueue()
        self.workers = [threading.Thread(target=self._work, name="hdhport-read-back", daemon=True)
                        for _ in range(max(1, jobs))]
        for worker in self.workers:
            worker.start()
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.batch: list[Entry] = []
        self.closing = False
        self.batcher = threading.Thread(target=self._batches, name="hdhport-read-back", daemon=True)
        if not self.local_dest:
            self.batcher.start()

    def _wanted(self, name: str) -> Entry | None:
        found = self.ledger.row("SELECT m.path, m.size, m.sha256 FROM to_copy t JOIN manifest m ON m.path = t.path "
                                "WHERE t.path = ?", (name,))
        return None if found is None else Entry(*found)

    def copied(self, name: str) -> None:
        entry = self._wanted(name)
        if entry is None:
            return
        if not self.ledger.add("seen", name):
            self.ledger.add("repeated", name)
            return
        if not self.local_dest and entry.size < LARGE:
            with self.lock:
                self.batch.append(entry)
                if len(self.batch) >= self.BATCH:
                    self.arrived.notify()
            return
        self.queue.put((name, entry))

    def _confirm(self, entries: Iterable[Entry]) -> None:
        self.ledger.insert("found", ((e.path, e.size, e.sha256) for e in entries), replace=True)

    def _work(self) -> None:
        buffer = bytearray(_CHUNK)
        while (item := self.queue.get()) is not None:
            try:
                self._one(*item, buffer)
            except Exception:  # noqa: BLE001 - a read that failed confirms nothing: read again after the copy
                continue

    def _one(self, name: str, entry: Entry, buffer: bytearray) -> None:
        if self.local_dest:
            file = local_file(self.dest, name)
            hashed = hash_file(file, buffer) if file is not None else None
        else:
            hashed = Hashed(*self.rclone.cat_sha256(self.dest, name, buffer))
        if hashed == Hashed(entry.size, entry.sha256):
            self._confirm([entry])

    def _batches(self) -> None:
        while True:
            with self.lock:
                self.arrived.wait_for(lambda: self.closing or len(self.batch) >= self.BATCH, timeout=0.5)
                if self.closing:
                    return  # what is left is read after the copy, with the rest
                entries, self.batch = self.batch, []
            if not entries:
                continue
            try:
                digests = self.rclone.hashsum(self.dest, [e.path for e in entries], self.log, self.jobs)
            except Exception:  # noqa: BLE001 - a failed batch confirms nothing: read again after the copy
                continue
            self._confirm(e for e in entries if digests.get(e.path) == e.sha256)

    def finish(self) -> None:
        """Stop; the ledger's "found" then holds the objects confirmed, as the read-back after the copy would
        report them (an object reported twice is not)."""
        with self.lock:
            self.closing = True
            self.arrived.notify()
        if self.batcher.is_alive():
            self.batcher.join()
        for _ in self.workers:
            self.queue.put(None)
        for worker in self.workers:
            worker.join()
        self.ledger.execute("DELETE FROM found WHERE path IN (SELECT path FROM repeated)")


def _final_check(summary: Summary, ledger: Ledger, state: State) -> None:
    """Everything in the manifest is at the destination with its size, and nothing else is, by the ledger's
    listing "dest": the one taken after the copy, or the one before the check when nothing was copied
    (nothing writes the destination after either)."""
    reported = {m.path for m in summary.mismatches}
    wrong: list[tuple[str]] = []
    for path, size, found in ledger.rows("SELECT m.path AS path, m.size, d.size FROM manifest m LEFT JOIN dest d "
                                         "ON d.path = m.path WHERE d.size IS NULL OR d.size != m.size"):
        if path in reported:
            continue
        if found is None:
            summary.mismatches.append(Mismatch(path, "missing", f"{size} bytes"))
        else:
            summary.mismatches.append(Mismatch(path, "size", f"{size} bytes", f"{found} bytes"))
        wrong.append((path,))
    for chunk in (wrong[i:i + BATCH] for i in range(0, len(wrong), BATCH)):
        ledger.execute(f"DELETE FROM verified WHERE path IN ({','.join('?' * len(chunk))})", [p for (p,) in chunk])
    summary.mismatches += [Mismatch(p, "unexpected", found=f"{s} bytes") for p, s in ledger.rows(
        "SELECT d.path AS path, d.size FROM dest d WHERE NOT EXISTS (SELECT 1 FROM manifest m WHERE m.path = d.path)")]
    summary.mismatches.sort()
    summary.verified = state.count("manifest")


def _compare(entry: Entry, hashed: Hashed | None) -> Mismatch | None:
    if hashed is None:
        return Mismatch(entry.path, "missing", f"{entry.size} bytes")
    if hashed.size != entry.size:
        return Mismatch(entry.path, "size", f"{entry.size} bytes", f"{hashed.size} bytes")
    if hashed.sha256 != entry.sha256:
        return Mismatch(entry.path, "sha256", entry.sha256, hashed.sha256)
    return None


def _make_folder(manifest_path: Path) -> None:
    """The manifest's folder, created when missing (its state file and rclone log sit there too)."""
    try:
        manifest_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError([Problem(str(manifest_path), 1, 1, "", f"cannot create the manifest's folder "
                                  f"{str(manifest_path.parent)!r}: {exc.strerror}")]) from None


def _summary(operation: Literal["move", "verify"], source: str | None, dest: str, path: Path, sha256: str,
             objects: int, size: int, resumed: bool = False) -> Summary:
    return Summary(operation, source, dest, str(path), sha256, objects, size, resumed=resumed)


def _ledger(folder: Path, name: str) -> Ledger:
    """A Ledger beside the manifest; in the temporary folder when the manifest's folder is read-only (verify)."""
    try:
        return Ledger(folder, name)
    except OSError:
        return Ledger(Path(tempfile.gettempdir()), name)


# ---------------------------------------------------------------------- verification alone


def verify(dest: str, manifest_path: Path, *, rclone: Rclone, parallel: int = 8, hasher: Hasher = "auto",
           progress: Progress = lambda _: None) -> Summary:
    """Re-read every object at `dest` and compare it with the manifest (for an attestation, or after a
    suspected alteration). Objects found wrong are no longer counted as verified by a resumable run."""
    check_manifest_path(manifest_path, None, dest, rclone)
    ledger = _ledger(manifest_path.parent, manifest_path.name)
    try:
        return _verify(dest, manifest_path, rclone, parallel, hasher, progress, ledger)
    finally:
        ledger.close()


def _verify(dest: str, manifest_path: Path, rclone: Rclone, parallel: int, hasher: Hasher, progress: Progress,
            ledger: Ledger) -> Summary:
    scanned = _load_manifest(ledger, manifest_path, "manifest")
    rclone.check_path(dest, "DEST")
    summary = _summary("verify", None, redact(dest), manifest_path, scanned.sha256, scanned.objects, scanned.bytes)
    started = time.monotonic()
    ledger.load("dest", rclone.walk(dest), lambda: rclone.walk(dest, local=False))
    progress(f"verifying {scanned.objects} object(s) at {redact(dest)}")
    ledger.entries("found")
    _hash_into(ledger, "found", "SELECT m.path AS path, d.size AS size FROM manifest m JOIN dest d ON d.path = m.path",
               rclone, dest, jobs=parallel, log=log_path(manifest_path), progress=progress, what="verify",
               hasher=hasher)
    ledger.names("good")
    good: list[tuple[str]] = []
    for path, size, sha256, found_size, found_sha256 in ledger.rows(
            "SELECT m.path AS path, m.size, m.sha256, f.size, f.sha256 FROM manifest m LEFT JOIN found f "
            "ON f.path = m.path"):
        mismatch = _compare(Entry(path, size, sha256), None if found_sha256 is None else Hashed(found_size, found_sha256))
        if mismatch is None:
            good.append((path,))
            if len(good) >= BATCH:
                ledger.insert("good", good)
                good = []
        else:
            summary.mismatches.append(mismatch)
    ledger.insert("good", good)
    summary.mismatches += [Mismatch(p, "unexpected", found=f"{s} bytes") for p, s in ledger.rows(
        "SELECT d.path AS path, d.size FROM dest d WHERE NOT EXISTS (SELECT 1 FROM manifest m WHERE m.path = d.path)")]
    summary.mismatches.sort()
    summary.verified = ledger.count("SELECT path FROM good")
    summary.seconds["verify"] = time.monotonic() - started
    state_file = state_path(manifest_path)
    if state_file.exists():
        state = State.load(state_file, ledger)
        if redact(state.dest) == redact(dest) and state.manifest_sha256 == scanned.sha256:
            ledger.execute("DELETE FROM verified WHERE NOT EXISTS (SELECT 1 FROM good g WHERE g.path = verified.path)")
            state.save(state_file)
    return summary
