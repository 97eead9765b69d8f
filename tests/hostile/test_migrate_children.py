"""Hostile input, migration half: rclone children hold no credential on their command line, die with hdhport,
and an interrupt ends `migrate objects` in one line with every child stopped and the state marked interrupted
(reliability review 2026-12-02, rows 6 and 17). Needs the rclone binary; starts no server."""
from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import tree
from hdhport.migrate import rclone as rclone_module
from hdhport.migrate.rclone import Rclone

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("require_rclone")]
HDHPORT = [sys.executable, "-c", "from hdhport.cli import run; run()"]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_the_serve_password_is_not_on_any_command_line(tmp_path: Path) -> None:
    """Row 6: `rclone serve http` gets its password through its environment (readable by this user only), not
    argv (readable by every local user in /proc/PID/cmdline); without it the objects are refused."""
    tree(tmp_path / "src", {"health.csv": b"patient,data\n"})
    log = tmp_path / "m.rclone.log"
    with Rclone().serve(str(tmp_path / "src"), log) as reader:
        (process,) = [p for p in rclone_module._children if "serve" in p.args]
        secret = base64.b64decode(reader._headers["Authorization"].split()[1]).decode().split(":", 1)[1]
        argv = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert secret not in argv and "--pass" not in argv.split("\0")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{reader.base}/health.csv", timeout=10)
        assert refused.value.code == 401
        stream = reader.open("health.csv")
        assert stream is not None and stream.read() == b"patient,data\n"
    assert log.stat().st_mode & 0o777 == 0o600


def test_rclone_dies_with_hdhport_even_when_hdhport_is_killed(tmp_path: Path) -> None:
    """Row 6/17: a child gets the kernel's parent-death signal, so a SIGKILLed hdhport leaves no rclone behind."""
    (tmp_path / "src").mkdir()
    script = ("import sys, time\nfrom pathlib import Path\nfrom hdhport.migrate.rclone import Rclone\n"
              f"with Rclone().serve({str(tmp_path / 'src')!r}, Path({str(tmp_path / 'log')!r})):\n"
              "    print('serving', flush=True)\n    time.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None and parent.stdout.readline().strip() == "serving"
    (child,) = children(parent.pid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)


@pytest.mark.parametrize(("signum", "to_group"), [(signal.SIGTERM, False), (signal.SIGINT, True)])
def test_an_interrupt_stops_rclone_marks_the_state_and_prints_one_line(tmp_path: Path, signum: int,
                                                                       to_group: bool) -> None:
    """Row 17: SIGTERM to hdhport alone (a supervisor) and Ctrl-C to the process group, in the copy phase:
    exit 128 + signal, one line, no traceback, no rclone left writing, the state's last run interrupted, and
    `--resume` completes."""
    source, dest, manifest = tmp_path / "src", tmp_path / "dst", tmp_path / "m.jsonl"
    source.mkdir()
    for index in range(4):
        (source / f"part{index}.bin").write_bytes(os.urandom(1 << 20))
    env = os.environ | {"RCLONE_BWLIMIT": "256k"}  # a copy that lasts: about 16 s
    process = subprocess.Popen([*HDHPORT, "migrate", "objects", str(source), str(dest), "--manifest", str(manifest)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True)
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "copying" in line:
            break
    time.sleep(1)
    copying = children(process.pid)
    assert copying, lines
    if to_group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err and err.strip().splitlines() == [
        f"hdhport migrate objects: interrupted by {signal.Signals(signum).name}; every rclone process is stopped; "
        "the state is saved: re-run with --resume"]
    assert not [pid for pid in copying if alive(pid)]
    state = json.loads((tmp_path / "m.jsonl.state.json").read_text(encoding="utf-8"))
    assert state["runs"][-1]["interrupted"] == signal.Signals(signum).name and state["runs"][-1]["ok"] is False
    resumed = subprocess.run([*HDHPORT, "migrate", "objects", str(source), str(dest), "--manifest", str(manifest),
                              "--resume"], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
