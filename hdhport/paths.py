"""Where the embedded specification lives: the catalogue and the shipped profiles beside the package."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "services_catalog.yaml"
PROFILES_DIR = ROOT / "providers" / "profiles"


def shipped_profiles(directory: Path = PROFILES_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))
