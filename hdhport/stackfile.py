"""Pulumi stack files (`Pulumi.<stack>.yaml`), read through the one safe located reader, the way Pulumi reads them.

A stack file is user input like a profile: aliases are refused before anything is expanded, a duplicate key is an
error, its size and depth are bounded (hdhport.yamlsource). Its values are the ones `pulumi up` would hand the
program: Pulumi's Go YAML library reads YAML 1.2 (`yes` and `1:30` are text), passes a key's scalar value as the
text written, which the program decodes as JSON (infra/program.py `_namespace`), and a list or a mapping as JSON.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hdhport import paths
from hdhport.errors import InputError, Problem
from hdhport.yamlsource import Document, load_document

#: Pulumi's rule for a stack's own name; an organisation and a project may qualify it (org/project/stack).
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
QUALIFIED_STACK_NAME = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,99}/){0,2}[A-Za-z0-9_.-]{1,100}")


def is_stack_name(name: str, qualified: bool = False) -> bool:
    """Whether `name` is a stack name Pulumi accepts (`qualified`: optionally org/project/stack); never `.`, `..`."""
    pattern = QUALIFIED_STACK_NAME if qualified else STACK_NAME
    return bool(pattern.fullmatch(name)) and not any(part in (".", "..") for part in name.split("/"))


@dataclass(frozen=True)
class StackFile:
    """One stack file: its values as the program receives them, and where each key is written."""

    name: str
    document: Document
    config: dict[str, Any]

    @property
    def file(self) -> str:
        return self.document.file

    def where(self, key: str) -> tuple[int, int]:
        """Line and column of `key` under `config:` (of `config:` itself, or 1:1, when the file does not set it)."""
        return self.document.where(("config", key))

    def problem(self, key: str, message: str) -> Problem:
        return Problem(self.file, *self.where(key), key, message)


def stack_path(stack: str, flag: str = "--stack") -> Path:
    """The stack file of `stack`, refused unless `stack` is a stack name (no path, no empty name)."""
    if not is_stack_name(stack):
        raise InputError([Problem.argument(flag, f"{stack!r} is not a stack name; expected 1 to 100 letters, "
                                                  "digits, '_', '.' or '-'")])
    return paths.ROOT / f"Pulumi.{stack}.yaml"


def exists(stack: str) -> bool:
    return is_stack_name(stack) and (paths.ROOT / f"Pulumi.{stack}.yaml").is_file()


def read(stack: str, flag: str = "--stack") -> StackFile:
    """`Pulumi.<stack>.yaml`, checked; an InputError locates every problem in it."""
    path = stack_path(stack, flag)
    if not path.exists():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in paths.ROOT.glob("Pulumi.*.yaml"))
        raise InputError([Problem.argument(flag, f"no stack '{stack}' (no {path.name}); available: "
                                                 f"{', '.join(known)}")])
    document = load_document(path, path.name, pulumi=True)
    raw = document.data.get("config")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError([document.problem(("config",), "expected a mapping of keys to values")])
    config = {key: _as_program_reads(document, key, value) for key, value in raw.items()}
    return StackFile(stack, document, config)


def _as_program_reads(document: Document, key: str, value: Any) -> Any:
    """A key's value as the program decodes it. Pulumi passes a scalar as its text (null as ''), which the
    program reads as JSON when it is JSON (`3`, `true`) and as text otherwise (`yes`, `1:30`); a list or a
    mapping arrives as JSON of the values Pulumi read; `{secure: ...}` is a ciphertext, kept as it is."""
    if isinstance(value, (dict, list)):
        return value
    if value is None:
        return ""
    text = document.texts.get(("config", key), str(value))
    try:
        return json.loads(text)
    except ValueError:
        return text


def decoded(value: Any) -> Any:
    """A config value as the program reads it from the engine's text (infra/program.py `_namespace`)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
