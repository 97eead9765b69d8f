"""The locks in requirements/ are what `make install` puts in the venv, and agree with pyproject.toml.

A fresh clone must get the venv this suite ran in: every Python package pinned with its hashes, the build
tools pinned like the rest, Azurite pinned through npm's lock, and each Debian package the Makefile installs
noted with the version it was tested with.
"""
from __future__ import annotations

import json
import re
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT

REQUIREMENTS = ROOT / "requirements"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ \\]+) \\$")
_HASH = re.compile(r"^    --hash=sha256:[0-9a-f]{64}")


def _pins(lock: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    lines = lock.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        match = _PIN.match(line)
        if match:
            assert _HASH.match(lines[number + 1]), f"{lock.name}:{number + 1}: {match.group(1)} has no sha256 hash"
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


LOCK = _pins(REQUIREMENTS / "lock.txt")


def test_the_venv_holds_exactly_the_locked_versions() -> None:
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    installed.pop("hdhport")
    assert installed == LOCK, "the venv differs from requirements/lock.txt: run `make install`"


def test_every_requirement_of_pyproject_is_locked_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in LOCK, f"pyproject.toml requires {text!r}, which the lock lacks: run `make lock`"
        assert requirement.specifier.contains(LOCK[name], prereleases=True), \
            f"lock pins {name}=={LOCK[name]} outside pyproject.toml's {text!r}: run `make lock`"


def test_the_build_tools_are_pinned_as_in_the_lock() -> None:
    build = _pins(REQUIREMENTS / "build.txt")
    assert {"pip", "setuptools", "wheel", "cffi"} <= build.keys()
    assert {name: LOCK.get(name) for name in build} == build


def test_azurite_is_installed_as_npm_locked() -> None:
    wanted = json.loads((REQUIREMENTS / "npm" / "package.json").read_text(encoding="utf-8"))["dependencies"]
    lock = json.loads((REQUIREMENTS / "npm" / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    assert lock["node_modules/azurite"]["version"] == wanted["azurite"]
    assert all("integrity" in entry for key, entry in lock.items() if key), "an npm package without its integrity hash"
    installed = json.loads((ROOT / ".tools" / "node_modules" / "azurite" / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == wanted["azurite"], "Azurite differs from the lock: run `make integration-deps`"


def test_every_debian_package_the_makefile_installs_is_noted_with_a_tested_version() -> None:
    run = subprocess.run(["make", "--no-print-directory", "-s", "-n", "system-deps"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    installed = {spec.split(":")[0] for spec in run.stdout.split()[1:]}
    noted = {}
    for line in (REQUIREMENTS / "debian-packages.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            package, _command, version = line.split()[:3]
            noted[package] = version
    assert installed == noted.keys() and len(installed) >= 10
    assert all(re.match(r"^[0-9]", v) for p, v in noted.items() if p != "npm"), noted
