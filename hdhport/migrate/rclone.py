"""rclone, driven as a subprocess: list, copy, and read objects for hashing through `rclone serve http`.

Written for Debian's rclone 1.60.1 and later. Remotes are rclone paths (`remote:container/prefix`, a
local path, or an on-the-fly `:backend,key=value:path`). Their configuration comes from `--config FILE`,
else rclone's own RCLONE_CONFIG or default file; any rclone flag can also be set through its RCLONE_*
environment variable (RCLONE_RETRIES, RCLONE_TRANSFERS, RCLONE_CA_CERT...). Only read operations touch
the source, and the destination is only ever written by `rclone copy` and `rclone rcat` (Rclone.stream):
never `sync`, `move` or `delete`, so nothing is removed anywhere.
"""
from __future__ import annotations

import base64
import ctypes
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hdhport.errors import InputError, Problem
from hdhport.migrate.redaction import redact

_DIRECTORY_NOT_FOUND = 3  # rclone's exit code when the listed path does not exist
# rclone 1.60's s3 backend refuses to start whenever AWS_CA_BUNDLE is set ("LoadCustomCABundleError:
# unsupported transport", seen on these machines); rclone's own --ca-cert (RCLONE_CA_CERT) is the way to
# trust a private CA, so the AWS variable is not passed on.
_DROPPED_ENV = ("AWS_CA_BUNDLE",)
_HEX = frozenset("0123456789abcdef")
_F_SETPIPE_SZ = 1031  # Linux; fcntl.F_SETPIPE_SZ from Python 3.10


class RcloneError(RuntimeError):
    """An rclone operation failed; the message is one line, with credentials in URLs redacted."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM reached hdhport: every rclone child is stopped, the move's state says so."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# Every rclone child running, so that an interrupt stops them all (a supervisor's SIGTERM reaches hdhport
# alone, not its process group); once stopping, no new child starts.
_children: set[subprocess.Popen[Any]] = set()
_children_lock = threading.Lock()
_stopping = threading.Event()
_PR_SET_PDEATHSIG = 1
try:
    _prctl: Any = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: children are still stopped by stop_children()
    _prctl = None


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends it SIGTERM when hdhport dies, even by SIGKILL."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(argv: list[str], **options: Any) -> subprocess.Popen[Any]:
    """Start a child that dies with hdhport and that stop_children() reaches."""
    with _children_lock:
        if _stopping.is_set():
            raise RcloneError("interrupted")
        process: subprocess.Popen[Any] = subprocess.Popen(argv, preexec_fn=_die_with_parent, **options)
        _children.add(process)
    return process


def reap(process: subprocess.Popen[Any], timeout: float | None = None) -> int:
    """Wait for a child from spawn() and forget it."""
    try:
        return process.wait(timeout)
    finally:
        if process.returncode is not None:
            with _children_lock:
                _children.discard(process)


def stop_children() -> None:
    """Terminate every rclone child (then kill those still there after 5 s); no new one starts."""
    with _children_lock:
        _stopping.set()
        running = list(_children)
    for process in running:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 5
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with _children_lock:
        _children.difference_update(running)


def allow_children() -> None:
    """After an interrupt was handled (in-process callers, tests): children may start again."""
    _stopping.clear()


def open_private(path: Path, mode: str = "a") -> IO[str]:
    """A log or list that may hold object names or rclone's echo of a remote: created 0600, kept 0600."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC), 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, mode, encoding="utf-8", errors="replace")


def _last_error(log: str) -> str:
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "Failed" in line or "CRITICAL" in line]
    chosen = (errors or lines or ["(rclone printed nothing)"])[-1]
    return redact(re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ", "", chosen))


@dataclass(frozen=True)
class Listing:
    """What a listing found: size per object path (directory markers are not objects)."""

    sizes: dict[str, int]
    exists: bool


@dataclass(frozen=True)
class Streamed:
    """One object read at the source and sent on to the destination (Rclone.stream)."""

    size: int  # bytes read at the source, every one hashed and sent on
    sha256: str
    md5: str  # of the same bytes; "" when not asked for
    delivered: bool  # the destination's rclone took every byte and exited 0


class Rclone:
    def __init__(self, config: Path | None = None, binary: str = "rclone") -> None:
        if config is not None and not config.is_file():
            raise InputError([Problem(str(config), 1, 1, "", "rclone configuration file not found")])
        self.name, self.config = binary, config
        self._binary: str | None = None
        self._remotes: set[str] | None = None
        self._dump: dict[str, dict[str, str]] | None = None  # `rclone config dump`, once, when needed
        self._inline: dict[str, str] = {}  # connection-string parameters, passed to rclone by environment

    # ------------------------------------------------------------------ plumbing

    def argv(self, *args: str) -> list[str]:
        if self._binary is None:
            self._binary = shutil.which(self.name)
            if self._binary is None:
                raise InputError([Problem(self.name, 1, 1, "", "rclone is not installed: install the Debian "
                                                               "package rclone (`make system-deps`)")])
        return [self._binary, *map(self._off_the_command_line, args),
                *(["--config", str(self.config)] if self.config else [])]

    def _off_the_command_line(self, arg: str) -> str:
        """A path with connection-string parameters (`:s3,secret_access_key=...:bucket`, `remote,pass=...:x`)
        as a remote defined by RCLONE_CONFIG_<REMOTE>_<KEY> variables: every local user can read a command
        line, only this user the environment."""
        parsed = split_connection(arg)
        if parsed is None:
            return arg
        name, parameters, rest = parsed
        if name.startswith(":"):  # on the fly: a remote of its own, named by what defines it
            digest = hashlib.sha256(repr((name, parameters)).encode()).hexdigest()[:12]
            remote, settings = f"hdhport{digest}", [("type", name[1:]), *parameters]
        else:
            remote, settings = name, parameters
        for key, value in settings:
            variable = "RCLONE_CONFIG_" + f"{remote}_{key}".upper().replace("-", "_")
            if self._inline.get(variable, value) != value:
                raise InputError([Problem(redact(arg), 1, 1, "", f"remote '{name}:' is given two values of {key!r}; "
                                          "give each remote its parameters once")])
            self._inline[variable] = value
        return f"{remote}:{rest}"

    def env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV} | self._inline

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        process = spawn(self.argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                        env=self.env())
        try:
            out, err = process.communicate()
        except BaseException:
            process.kill()
            raise
        finally:
            reap(process)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    # ------------------------------------------------------------------ checks

    def remotes(self) -> set[str]:
        if self._remotes is None and self._dump is not None:
            self._remotes = set(self._dump)  # the sections `rclone listremotes` lists: one rclone process less
        if self._remotes is None:
            done = self._run("listremotes")
            if done.returncode != 0:
                raise RcloneError(f"rclone listremotes failed: {_last_error(done.stderr)}")
            self._remotes = {line.strip().rstrip(":") for line in done.stdout.splitlines() if line.strip()}
        return self._remotes

    def settings(self, remote: str) -> dict[str, str]:
        """A named remote's configuration (`type`, `remote`...) as rclone sees it: the configuration file's
        section (`rclone config dump`, run once), overridden by its RCLONE_CONFIG_<REMOTE>_<KEY> variables;
        empty when the remote is not defined. Holds credentials: never print it."""
        if self._dump is None:
            # --ask-password=false: an encrypted configuration without RCLONE_CONFIG_PASS fails, never prompts.
            done = self._run("config", "dump", "--ask-password=false")
            if done.returncode != 0:
                raise RcloneError(f"rclone config dump failed: {_last_error(done.stderr)}")
            try:
                dump = json.loads(done.stdout or "{}")
            except ValueError:
                raise RcloneError("rclone config dump printed no JSON") from None
            self._dump = {str(name): {str(k): str(v) for k, v in section.items()}
                          for name, section in (dump.items() if isinstance(dump, dict) else ())
                          if isinstance(section, dict)}
        found = dict(self._dump.get(remote, {}))
        prefix = "RCLONE_CONFIG_" + f"{remote}_".upper().replace("-", "_")
        environment = self.env()
        for key in ("type", "remote"):  # the two that say where a local or alias remote leads
            if prefix + key.upper() in environment:
                found[key] = environment[prefix + key.upper()]
        return found

    def check_path(self, path: str, what: str) -> None:
        """Reject a remote the configuration does not define, with the ones it does."""
        name = remote_name(path)
        if name is None or name == ":":
            return  # a local path or an on-the-fly `:backend,...:` remote
        if name not in self.remotes():
            known = ", ".join(f"{r}:" for r in sorted(self.remotes())) or "none"
            where = str(self.config) if self.config else "rclone's default configuration"
            raise InputError([Problem.argument(what, f"unknown rclone remote '{name}:' in {path!r} "
                                                      f"(configured in {where}: {known})")])

    # ------------------------------------------------------------------ operations

    def list(self, path: str) -> Listing:
        """Every object under `path`, recursively, with its size, in a dict: for small listings (tests, the
        objects a Stream sent); a move streams its listings through `walk` instead."""
        walk = self.walk(path)
        sizes = dict(walk)
        return Listing(sizes, walk.exists)

    def walk(self, path: str, *, local: bool = True) -> Walk:
        """Every object under `path`, recursively, with its size, streamed: a local directory walked here when
        it can be (no process to start), else `rclone lsjson`, started at once and read one line (one object)
        at a time, never as a whole document. A local walk that meets a name only rclone can list raises
        Relist part-way: list again with `local=False`."""
        if local and remote_name(path) is None:
            return Walk(path, None)
        errors = tempfile.TemporaryFile()
        process = spawn(self.argv("lsjson", "-R", "--files-only", "--no-mimetype", "--no-modtime", "--fast-list",
                                  path), stdout=subprocess.PIPE, stderr=errors, env=self.env())
        return Walk(path, (process, errors))

    def copy(self, source: str, dest: str, paths: Iterable[str], log: Path, transfers: int,
             max_failures: int = 10, *, on_copied: Callable[[str], None] | None = None,
             skip_checksum: bool = False) -> None:
        """`rclone copy` of exactly these objects; re-sends each even if the destination looks the same.

        Stops rclone once `max_failures` objects failed in a row: a destination that went down fails every
        remaining object, each after rclone's back-off, and a large move would otherwise spend hours on it.
        `on_copied` receives the name of each object rclone reports copied (it logs that once the object is
        written and closed), while the copy goes on. `skip_checksum` (--ignore-checksum) leaves out rclone's
        own after-copy hash comparison, for a caller that reads every copied object back itself: on a local
        destination that comparison is a second full read of both sides."""
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".files", delete=False) as listing:
            # --files-from-raw: no comment or whitespace processing, so names starting with '#' or ';' or
            # ending in spaces survive (the plain --files-from would drop or trim them).
            listing.writelines(f"{p}\n" for p in paths)  # streamed: never one string of every name
        failures, aborted, last = 0, False, ""
        try:
            with open_private(log) as out:
                process = spawn(
                    # --no-traverse on a local destination only: at an object store it costs a HEAD request per
                    # object (twice the time of the copy to Swift's S3 API, measured), where one listing is cheaper.
                    self.argv("copy", source, dest, "--files-from-raw", listing.name,
                              *(["--no-traverse"] if remote_name(dest) is None else []),
                              # objects listed here are not verified at the destination: a same-size, same-date
                              # copy there may still be corrupt, so rclone must not skip it.
                              "--ignore-times", "--transfers", str(transfers), "--checkers", str(transfers),
                              *(["--ignore-checksum"] if skip_checksum else []),
                              "--stats", "0", "--log-level", "INFO"),
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=self.env())
                assert process.stdout is not None
                try:
                    for line in process.stdout:
                        out.write(redact(line))
                        if aborted:
                            continue  # rclone's objects in flight fail as it stops: not failures of their own
                        if "ERROR" in line or "Failed" in line or "CRITICAL" in line:
                            last = line
                        if "Failed to copy" in line:
                            failures += 1
                            if failures >= max_failures:
                                aborted = True
                                process.terminate()
                        elif ": Copied (" in line:
                            failures = 0
                            if on_copied is not None:
                                name = _copied_name(line)
                                if name is not None:
                                    on_copied(name)
                except BaseException:
                    process.terminate()  # an interrupt: rclone never writes on behind hdhport's back
                    raise
                finally:
                    returncode = reap(process)
        finally:
            os.unlink(listing.name)
        if aborted:
            raise RcloneError(f"rclone copy stopped after {failures} objects failed in a row: {_last_error(last)}")
        if returncode != 0:
            raise RcloneError(f"rclone copy exited with {returncode}: {_last_error(last)}")

    def hashsum(self, path: str, paths: Iterable[str], log: Path, jobs: int, *,
                progress: Callable[[int], None] = lambda _: None) -> dict[str, str]:
        """SHA-256 (hex) of each of these objects under `path`, computed by rclone from the bytes it reads.

        `rclone hashsum sha256 --download` reads every object and hashes it in rclone itself, `jobs`
        objects at once (--checkers): the digest is of the bytes the store serves now, never a digest the
        store recorded. On a local path rclone's local backend hashes by reading the file, with no stored
        digest to fall back on, so --download (an extra copy through a pipe) is left out there. An object
        that does not exist is absent from the result; one that cannot be read raises RcloneError, never
        a digest. `progress` receives the count of objects hashed so far, about every ten seconds."""
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".files", delete=False) as listing:
            listing.writelines(f"{p}\n" for p in paths)  # streamed: never one string of every name
        digests: dict[str, str] = {}
        unreadable: list[str] = []
        try:
            with open_private(log) as out:
                process = spawn(
                    self.argv("hashsum", "sha256", path, *([] if remote_name(path) is None else ["--download"]),
                              "--files-from-raw", listing.name, "--checkers", str(jobs), "--transfers", str(jobs),
                              "--log-level", "ERROR"),
                    stdout=subprocess.PIPE, stderr=out, text=True, encoding="utf-8", errors="surrogateescape",
                    env=self.env())
                assert process.stdout is not None
                last = time.monotonic()
                try:
                    for line in process.stdout:
                        line = line[:-1] if line.endswith("\n") else line
                        digest, separator, name = line[:64], line[64:66], line[66:]
                        if separator == "  " and len(digest) == 64 and set(digest) <= _HEX:
                            digests[name] = digest
                        else:  # "ERROR", "UNSUPPORTED" or anything else instead of a digest: never a pass
                            unreadable.append(line.strip()[:200])
                        if time.monotonic() - last > 10:
                            last = time.monotonic()
                            progress(len(digests))
                except BaseException:
                    process.terminate()  # an interrupt: no rclone left running behind hdhport
                    raise
                finally:
                    returncode = reap(process)
        finally:
            os.unlink(listing.name)
        if unreadable:
            raise RcloneError(f"rclone hashsum {redact(path)} could not hash {len(unreadable)} object(s), e.g. "
                              f"{redact(unreadable[0])!r}")
        if returncode != 0:
            raise RcloneError(f"rclone hashsum {redact(path)} exited with {returncode}: "
                              f"{_last_error(_tail(log))}")
        return digests

    def cat_sha256(self, remote: str, name: str, buffer: bytearray) -> tuple[int, str]:
        """Size and SHA-256 of the bytes `rclone cat` reads of one object, hashed here with hashlib.

        For large objects: Python's hashlib (OpenSSL, SHA extensions where the CPU has them) hashes several
        times faster per core than the Go SHA-256 of Debian's rclone 1.60, and releases the GIL on large
        buffers, so several objects hash in parallel threads. Every byte is read and counted; an object
        rclone cannot read (or that vanished) raises RcloneError, never a digest."""
        target = object_path(remote, name)
        with tempfile.TemporaryFile() as errors:
            process = spawn(self.argv("cat", target, "--log-level", "ERROR"), stdout=subprocess.PIPE,
                            stderr=errors, bufsize=0, env=self.env())
            assert process.stdout is not None
            try:
                fcntl.fcntl(process.stdout.fileno(), _F_SETPIPE_SZ, 1 << 20)  # fewer, larger reads
            except OSError:
                pass
            digest, size, view = hashlib.sha256(), 0, memoryview(buffer)
            with process.stdout:
                while got := os.readv(process.stdout.fileno(), [buffer]):
                    digest.update(view[:got])
                    size += got
            if reap(process) != 0:
                errors.seek(0)
                raise RcloneError(f"rclone cat {redact(target)} failed: "
                                  f"{_last_error(errors.read().decode('utf-8', errors='replace'))}")
        return size, digest.hexdigest()

    def stream(self, source: str, dest: str, name: str, size: int, buffer: bytearray, log: Path, *,
               md5: bool) -> Streamed:
        """Copy one object from `source` to `dest` reading it once: `rclone cat` at the source piped through
        hdhport into `rclone rcat --size` at the destination, every byte hashed on its way (SHA-256, and MD5
        when `md5`), so the digests are those of the bytes read at the source, which are the bytes sent.

        An object the source cannot serve raises RcloneError. A destination that fails, or exits before
        taking every byte, only leaves `delivered` false: the source is still read to its end and hashed."""
        source_path, dest_path = object_path(source, name), object_path(dest, name)
        sha256, digest5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False) if md5 else None
        count, sending, view = 0, True, memoryview(buffer)
        with tempfile.TemporaryFile() as errors, open_private(log) as out:
            # --buffer-size 0 on both sides: the pipes and hdhport's buffer are the read-ahead; rclone's own
            # buffers would copy every byte once more in each process (less CPU, measured, on two busy cores).
            reader = spawn(self.argv("cat", source_path, "--buffer-size", "0", "--log-level", "ERROR"),
                           stdout=subprocess.PIPE, stderr=errors, bufsize=0, env=self.env())
            try:
                # --ignore-checksum: rcat's own MD5 of the stream, against the store's, would be a second MD5 of
                # the same bytes; hdhport hashes them here and compares with the store itself (Stream.proven).
                writer = spawn(self.argv("rcat", dest_path, "--size", str(size), "--ignore-checksum", "--buffer-size",
                                         "0", "--log-level", "ERROR"),
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=out, bufsize=0, env=self.env())
            except BaseException:
                reader.terminate()
                reap(reader)
                raise
            assert reader.stdout is not None and writer.stdin is not None
            source_fd, sink_fd = reader.stdout.fileno(), writer.stdin.fileno()
            for pipe in (source_fd, sink_fd):
                try:
                    fcntl.fcntl(pipe, _F_SETPIPE_SZ, 1 << 20)  # fewer, larger reads and writes
                except OSError:
                    pass
            try:
                while got := os.readv(source_fd, [buffer]):
                    chunk = view[:got]
                    sha256.update(chunk)
                    if digest5 is not None:
                        digest5.update(chunk)
                    count += got
                    while sending and chunk:
                        try:
                            chunk = chunk[os.write(sink_fd, chunk):]
                        except BrokenPipeError:  # the destination's rclone gave up: read on, for the digest
                            sending = False
            except BaseException:
                for process in (reader, writer):
                    if process.poll() is None:
                        process.terminate()
                raise
            finally:
                reader.stdout.close()
                try:
                    writer.stdin.close()
                except OSError:
                    pass
                source_status, sink_status = reap(reader), reap(writer)
            if source_status != 0:
                errors.seek(0)
                raise RcloneError(f"rclone cat {redact(source_path)} failed: "
                                  f"{_last_error(errors.read().decode('utf-8', errors='replace'))}")
        return Streamed(count, sha256.hexdigest(), digest5.hexdigest() if digest5 is not None else "",
                        sending and sink_status == 0 and count == size)

    def stores_md5(self, path: str) -> bool:
        """Whether the MD5 rclone reports for an object `rclone rcat` just wrote at `path` in one request is one
        the store computed itself over the bytes it stored: an S3 or a Swift store, whose ETag of an object
        written in one request is the MD5 the server computed as it stored it. rclone reports no MD5 for what
        rcat writes in parts (an S3 multipart upload, a Swift large object: their ETags are not the content's
        MD5), and rcat records no MD5 of its own beside an object, which rclone would report instead.
        The backend is the path's type (`:s3:`, `:s3,...:`) or its remote's in the configuration; for any other
        remote (an alias...) rclone says which backend it reaches (`rclone backend features`)."""
        name = remote_name(path)
        if name is None:
            return False
        parsed = split_connection(path)
        if name == ":":
            kind = (parsed[0] if parsed else path[:path.find(":", 1)])[1:]
        else:
            kind = (dict(parsed[1]) if parsed else {}).get("type") or self.settings(name).get("type", "")
        if kind in ("s3", "swift"):
            return True
        if kind not in ("", "alias"):
            return False
        done = self._run("backend", "features", path)
        try:
            described = str(json.loads(done.stdout).get("String", "")) if done.returncode == 0 else ""
        except (ValueError, AttributeError):
            return False
        return described.startswith(("S3 bucket ", "S3 root", "Swift container ", "Swift root"))

    def list_md5(self, path: str) -> tuple[Listing, dict[str, str]]:
        """Every object under `path` with its size, as `list` gives them, and the MD5 rclone reports for each
        that has one, without reading any (on S3 and Swift: the ETag, from the listing itself)."""
        done = self._run("lsjson", "-R", "--files-only", "--no-mimetype", "--no-modtime", "--fast-list", "--hash",
                         "--hash-type", "md5", path)
        if done.returncode == _DIRECTORY_NOT_FOUND:
            return Listing({}, exists=False), {}
        if done.returncode != 0:
            raise RcloneError(f"rclone lsjson --hash {redact(path)} failed: {_last_error(done.stderr)}")
        sizes: dict[str, int] = {}
        md5: dict[str, str] = {}
        for item in json.loads(done.stdout or "[]"):
            if item.get("IsDir"):
                continue
            sizes[str(item["Path"])] = int(item["Size"])
            digest = str((item.get("Hashes") or {}).get("md5") or "").lower()
            if len(digest) == 32 and set(digest) <= _HEX:
                md5[str(item["Path"])] = digest
        return Listing(sizes, exists=True), md5

    @contextmanager
    def serve(self, path: str, log: Path) -> Iterator[HttpReader]:
        """Serve `path` read-only over HTTP on 127.0.0.1, for hashing every object in one rclone process
        (one `rclone cat` per object would start a process and authenticate once per object)."""
        user, password = "hdhport", secrets.token_urlsafe(24)
        # The credentials travel in rclone's environment (RCLONE_USER, RCLONE_PASS: its flags' variables),
        # which only this user and root can read; on the command line every local user would see them in
        # /proc/PID/cmdline and could read every object served.
        env = self.env() | {"RCLONE_USER": user, "RCLONE_PASS": password}
        for _attempt in range(5):
            port = _free_port()
            with open_private(log) as out:
                process = spawn(self.argv("serve", "http", path, "--addr", f"127.0.0.1:{port}", "--read-only",
                                          "--log-level", "NOTICE"),
                                stdout=out, stderr=subprocess.STDOUT, env=env)
            try:
                if _wait_listening(process, port):
                    yield HttpReader(f"http://127.0.0.1:{port}", user, password)
                    return
            finally:
                process.terminate()
                try:
                    reap(process, 10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    reap(process)
            if "address already in use" not in log.read_text(encoding="utf-8", errors="replace"):
                break
        raise RcloneError(f"rclone serve http {redact(path)} did not start: "
                          f"{_last_error(log.read_text(encoding='utf-8', errors='replace'))}")


class HttpReader:
    """Reads objects from a running `rclone serve http`."""

    def __init__(self, base: str, user: str, password: str) -> None:
        self.base = base
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}"}

    def open(self, path: str) -> IO[bytes] | None:
        """The object's byte stream, or None when it does not exist."""
        import urllib.error  # here: urllib.request (http.client, email) is slow to import, and only the
        import urllib.request  # stream hasher reads through HTTP
        url = f"{self.base}/{urllib.parse.quote(path, safe='/')}"
        try:
            response: IO[bytes] = urllib.request.urlopen(urllib.request.Request(url, headers=self._headers),
                                                         timeout=120)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise RcloneError(f"reading {path!r} failed: HTTP {exc.code} {exc.reason}") from None
        except OSError as exc:
            raise RcloneError(f"reading {path!r} failed: {exc}") from None
        return response


# Names rclone's local backend shows under another name than the file's (its encoding on Linux: control
# characters as their U+2400 pictures, `.` and `..`, and the characters it uses to quote those).
LOCAL_REWRITTEN = re.compile("[\x00-\x1f\x7f\u2400-\u243f\u201b\uff00-\uffef]")


class Relist(Exception):
    """A local walk met a name rclone's local encoding shows otherwise: the listing must come from rclone."""


class Walk:
    """The objects under one path as (name, size), streamed (Rclone.walk); `exists` is known once iterated.
    Iterated once; `close` stops an rclone never read (a run refused before its listing was needed)."""

    def __init__(self, path: str, process: tuple[subprocess.Popen[bytes], IO[bytes]] | None) -> None:
        self.path, self.process, self.exists = path, process, True

    def __iter__(self) -> Iterator[tuple[str, int]]:
        if self.process is None:
            yield from self._local()
            return
        process, errors = self.process
        assert process.stdout is not None
        try:
            with process.stdout:
                # rclone lsjson prints "[", then one object per line (each but the last followed by ","), "]".
                for raw in process.stdout:
                    line = raw.strip()
                    if line in (b"[", b"]", b""):
                        continue
                    try:
                        item = json.loads(line[:-1] if line.endswith(b",") else line)
                    except ValueError:
                        process.terminate()
                        raise RcloneError(f"rclone lsjson {redact(self.path)}: unreadable line "
                                          f"{redact(line[:200].decode('utf-8', 'replace'))!r}") from None
                    if not item.get("IsDir"):
                        yield str(item["Path"]), int(item["Size"])
        except BaseException:
            process.terminate()
            raise
        finally:
            returncode = reap(process)
        with errors:
            errors.seek(0)
            message = errors.read().decode("utf-8", errors="replace")
        if returncode == _DIRECTORY_NOT_FOUND:
            self.exists = False
        elif returncode != 0:
            raise RcloneError(f"rclone lsjson {redact(self.path)} failed: {_last_error(message)}")

    def close(self) -> None:
        if self.process is not None and self.process[0].poll() is None:
            self.process[0].terminate()
            reap(self.process[0])
            self.process[1].close()

    def _local(self) -> Iterator[tuple[str, int]]:
        """The regular files under a local directory with their sizes, as `rclone lsjson -R --files-only` lists
        them: symbolic links, FIFOs, sockets and devices are not objects to rclone (it skips them), directories
        are not objects. Relist, for rclone to list, whenever that could differ: the root is not a directory
        itself (a file, a symbolic link), a directory cannot be read, or a name is one rclone's local encoding
        shows otherwise (LOCAL_REWRITTEN) or is not UTF-8."""
        root = self.path
        try:
            mode = os.lstat(root).st_mode
        except (FileNotFoundError, NotADirectoryError):
            self.exists = False
            return
        except OSError:
            raise Relist(root) from None
        if not stat.S_ISDIR(mode):
            raise Relist(root)
        folders = [""]
        try:
            while folders:
                folder = folders.pop()
                with os.scandir(os.path.join(root, folder) if folder else root) as entries:
                    for entry in entries:
                        if LOCAL_REWRITTEN.search(entry.name) or not _utf8(entry.name):
                            raise Relist(root)
                        name = f"{folder}/{entry.name}" if folder else entry.name
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(name)
                        elif entry.is_file(follow_symlinks=False):
                            yield name, entry.stat(follow_symlinks=False).st_size
        except OSError:
            raise Relist(root) from None


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a byte that is not UTF-8, kept by Python as a lone surrogate
        return False
    return True


def _copied_name(line: str) -> str | None:
    """The object of rclone's `INFO  : NAME: Copied (new)` line (its log encoding: a control character in a
    name is shown as its U+2400 picture, so a name is always one line)."""
    head, marker, _ = line.rpartition(": Copied (")
    start = head.find(" : ")
    return head[start + 3:] if marker and start >= 0 else None


def object_path(remote: str, name: str) -> str:
    """The rclone path of object `name` under `remote`."""
    return remote + name if remote.endswith(":") else f"{remote.rstrip('/')}/{name}"


_REMOTE_NAME = re.compile(r"[\w.+@-]([\w.+@ -]*[\w.+@-])?")


def split_connection(path: str) -> tuple[str, list[tuple[str, str]], str] | None:
    """`(name, [(key, value)...], rest)` of a path holding rclone connection-string parameters
    (`:backend,key=value,...:rest` or `remote,key=value:rest`; a value may be quoted, a quote doubled inside),
    or None for any other path."""
    end = next((i for i, c in enumerate(path[1:], 1) if c in ",:"), len(path))
    name = path[:end]
    if end >= len(path) or path[end] != "," or not (re.fullmatch(r":\w+", name) or _REMOTE_NAME.fullmatch(name)):
        return None
    parameters: list[tuple[str, str]] = []
    at = end
    while at < len(path) and path[at] == ",":
        equals = path.find("=", at + 1)
        key = path[at + 1:equals]
        if equals < 0 or not re.fullmatch(r"[\w-]+", key):
            return None
        at = equals + 1
        if path[at:at + 1] in ("'", '"'):
            quote, value = path[at], []
            at += 1
            while True:
                if at >= len(path):
                    return None
                if path[at] == quote:
                    if path[at + 1:at + 2] != quote:
                        at += 1
                        break
                    at += 1
                value.append(path[at])
                at += 1
            parameters.append((key, "".join(value)))
        else:
            stop = next((i for i in range(at, len(path)) if path[i] in ",:"), len(path))
            parameters.append((key, path[at:stop]))
            at = stop
    if at >= len(path) or path[at] != ":":
        return None
    return name, parameters, path[at + 1:]


def remote_name(path: str) -> str | None:
    """The rclone remote of a path (`name` of `name:...`, `:` for an on-the-fly backend), or None if local."""
    if path.startswith(":"):
        return ":"
    parsed = split_connection(path)
    if parsed is not None:
        return parsed[0]
    head, colon, _ = path.partition(":")
    if not colon or not re.fullmatch(r"[\w.+@-]([\w.+@ -]*[\w.+@-])?", head):
        return None
    return head


def _tail(log: Path, size: int = 65536) -> str:
    with log.open("rb") as handle:
        handle.seek(max(0, handle.seek(0, os.SEEK_END) - size))
        return handle.read().decode("utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(process: subprocess.Popen[bytes], port: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False
