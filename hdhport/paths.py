"""Where the embedded specification lives: the catalogue and the shipped profiles beside the package."""
from __future__ import annotations

import os
from pathlib import Path

from hdhport.errors import InputError, Problem

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "services_catalog.yaml"
PROFILES_DIR = ROOT / "providers" / "profiles"


def shipped_profiles(directory: Path = PROFILES_DIR) -> list[Path]:
    """The profile files (`*.yaml`) of `directory`. A directory that is missing, is not one or cannot be read
    is an InputError: a mistyped --profiles-dir must never validate "0 profile(s)" and pass a CI job."""
    try:
        with os.scandir(directory) as entries:
            names = [entry.name for entry in entries if entry.name.endswith(".yaml")]
    except FileNotFoundError:
        why = "no such directory"
    except NotADirectoryError:
        why = "not a directory"
    except OSError as exc:
        why = f"cannot read directory: {exc.strerror or exc}"
    else:
        return sorted(directory / name for name in names)
    raise InputError([Problem.argument("--profiles-dir", f"{directory}: {why}")])
