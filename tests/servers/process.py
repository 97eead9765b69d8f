"""Start, wait for, kill and stop a server process, keeping its output in a log file for failure messages."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

LOOPBACK = "127.0.0.1"


class ServerError(RuntimeError):
    """A server did not start or answer; the message carries the tail of its log."""


def _ephemeral_start() -> int:
    """Where the kernel starts handing out ports to outgoing connections (Linux: 32768 by default)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(low: int = 10000) -> int:
    """A TCP port nobody listens on now, below the ephemeral range: a port an outgoing connection can take
    at any moment (any process's) would make a server that binds it later fail at random."""
    high = _ephemeral_start()
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            port = int.from_bytes(os.urandom(2), "big") % (high - low) + low
            try:
                probe.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
    raise ServerError("no free TCP port on 127.0.0.1")


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((LOOPBACK, port)) == 0


class Process:
    """One server process (and its children, in a session of their own), logging to `log`."""

    def __init__(self, name: str, argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None,
                 cwd: Path | None = None, stop_signal: signal.Signals = signal.SIGTERM) -> None:
        self.name, self.argv, self.log, self.cwd, self.stop_signal = name, list(argv), log, cwd, stop_signal
        self.env = {**os.environ, **(env or {})}
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            # A new session: the process group can be signalled as a whole (node, erl and their children).
            self.popen = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                          cwd=self.cwd, start_new_session=True)
        return self

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group: a crash, with no chance to flush or say goodbye."""
        self._signal(signal.SIGKILL)
        self._reap(5)

    def stop(self, timeout: float = 15) -> None:
        if not self.alive:
            self._signal(signal.SIGKILL)  # children left behind by a dead leader
            return
        self._signal(self.stop_signal)
        if not self._reap(timeout):
            self.kill()

    def _signal(self, sig: signal.Signals) -> None:
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def _reap(self, timeout: float) -> bool:
        assert self.popen is not None
        try:
            self.popen.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def wait_until(check: Callable[[], bool], timeout: float, what: str, process: Process | None = None) -> float:
    """Poll `check` until true; return the seconds it took, or raise with the server's log tail."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process is not None and process.popen is not None and not process.alive:
            raise ServerError(f"{process.name} exited with {process.popen.returncode} before {what}:\n"
                              f"{process.tail()}")
        try:
            if check():
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    tail = f":\n{process.tail()}" if process is not None else ""
    raise ServerError(f"timed out after {timeout:.0f} s waiting for {what}{tail}")
