"""The output formats of `hdhport diff`, apart from their renderers: registering the command imports no model."""
from __future__ import annotations

FORMATS = ("table", "md", "html", "csv", "json", "xlsx", "questions")
BINARY_FORMATS = ("xlsx",)
