"""`make drift`: the test suite on the newest versions pyproject.toml allows, and which new release breaks it.

The gate (`make test`, `.ci/run`) installs requirements/lock.txt and stays green whatever PyPI publishes;
this is the early warning that runs beside it on a schedule. It builds a throw-away venv (.venv-drift) with
`pip install -e .[dev,migrate]` and no lock, lists every package that moved past its pin, type-checks and
runs the tests. When something fails it puts each moved package back to its locked version, one at a time,
and reruns what failed: the package whose pin makes the failures go away is named. Exit 0 when nothing
breaks, 1 when something does. The fix is in hdhport, then `make lock UPGRADE=1`.

    python scripts/drift.py                         # the whole suite (make drift)
    python scripts/drift.py tests/test_yamlsource.py  # only these tests (make drift TESTS=...)
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from prune_venv import PIN, canonical  # the lock's reading, shared with make install's pruning

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
DRIFT = ROOT / ".venv-drift"
PY = DRIFT / "bin" / "python"
# Only the drift venv may differ from the lock: that is the point of it.
PYTEST = [str(PY), "-m", "pytest", "-q", "-p", "no:cacheprovider",
          "--deselect", "tests/test_lock.py::test_the_venv_holds_exactly_the_locked_versions"]
MYPY = [str(PY), "-m", "mypy", "hdhport", "providers", "infra", "policies", "bench"]


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, the lock's lines for it, hashes included)."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current: list[str] | None = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = [line]
            pins[canonical(match.group(1))] = (match.group(2), current)
        elif current is not None and line.startswith("    --hash="):
            current.append(line)
        else:
            current = None
    return pins


def installed() -> dict[str, str]:
    script = "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    out = subprocess.run([str(PY), "-c", script], capture_output=True, text=True, check=True).stdout
    return {canonical(name): version for name, version in json.loads(out).items()}


def pip(*args: str) -> None:
    subprocess.run([str(PY), "-m", "pip", "--disable-pip-version-check", "--quiet", *args], cwd=ROOT, check=True)


def failing_tests(selection: list[str]) -> list[str]:
    """Node ids of what fails now (pytest's report lines), or [] when all pass."""
    run = subprocess.run([*PYTEST, "-rfE", *selection], cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write(run.stdout[-4000:])
    if run.returncode == 0:
        return []
    failed = [line.split(" ", 1)[1].split(" - ", 1)[0] for line in run.stdout.splitlines()
              if line.startswith(("FAILED ", "ERROR "))]
    return failed or selection or ["tests"]


def main(selection: list[str]) -> int:
    shutil.rmtree(DRIFT, ignore_errors=True)
    venv.create(DRIFT, with_pip=True)
    pip("install", "--upgrade", "pip", "setuptools", "wheel")
    pip("install", "-e", ".[dev,migrate]")
    pins, now = locked(), installed()
    moved = {name: (pins[name][0], version) for name, version in sorted(now.items())
             if name in pins and pins[name][0] != version}
    print("drift: newer than the lock: " + (", ".join(f"{n} {a} -> {b}" for n, (a, b) in moved.items()) or "nothing"))
    typecheck = subprocess.run(MYPY, cwd=ROOT).returncode
    failed = failing_tests(selection)
    if not failed and typecheck == 0:
        print("drift: the tests pass on the newest allowed versions; `make lock UPGRADE=1` can take them")
        return 0
    culprits = []
    for name, (pinned, newest) in moved.items():
        requirement = DRIFT / "one-pin.txt"
        requirement.write_text("\n".join(pins[name][1]).rstrip(" \\") + "\n", encoding="utf-8")
        pip("install", "--no-deps", "--require-hashes", "-r", str(requirement))
        fixed_tests = subprocess.run([*PYTEST, *failed], cwd=ROOT, capture_output=True).returncode == 0 if failed else True
        fixed_types = subprocess.run(MYPY, cwd=ROOT, capture_output=True).returncode == 0 if typecheck else True
        if fixed_tests and fixed_types and (failed or typecheck):
            culprits.append(f"{name} {newest} (locked {pinned})")
        pip("install", "--no-deps", f"{name}=={newest}")
    print("drift: FAILED on the newest allowed versions"
          + (f"; they pass again with the locked version of: {', '.join(culprits)}" if culprits
             else "; no single package put back to its pin fixes it (several releases together, or a test that flakes)"))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
