"""What the integration tests measured (objects, bytes, seconds), kept in out/migrate/integration-figures.json
for the README's reversibility section; each test overwrites only its own entry."""
from __future__ import annotations

import json
from typing import Any

from hdhport import paths

FIGURES = paths.ROOT / "out" / "migrate" / "integration-figures.json"


def record(name: str, figures: dict[str, Any]) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    try:
        current = json.loads(FIGURES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = {}
    current[name] = figures
    FIGURES.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
