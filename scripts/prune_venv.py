"""Remove from the running venv every distribution the lock does not pin (hdhport itself excepted).

Usage: python scripts/prune_venv.py requirements/lock.txt

`pip install -r lock` adds and upgrades but never removes: a package dropped from the lock would stay in
an old venv, and code that still imports it would pass here and fail on a fresh clone. This is the
removal half of a sync (what pip-sync and `uv pip sync` do), kept to the standard library.
"""
from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

#: A pinned line of the lock: name and version (hash lines follow it).
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
_KEEP = {"hdhport"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lock: Path) -> set[str]:
    return {canonical(m.group(1)) for line in lock.read_text(encoding="utf-8").splitlines() if (m := PIN.match(line))}


def main(lock: Path) -> int:
    wanted = pinned(lock) | _KEEP
    extra = sorted({canonical(d.metadata["Name"]) for d in metadata.distributions()} - wanted)
    if not extra:
        return 0
    print(f"removing what {lock} no longer pins: {', '.join(extra)}")
    return subprocess.call([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *extra])


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
