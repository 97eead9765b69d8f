"""Hostile-input-safe YAML reading that remembers where every value came from.

The document is built straight from PyYAML's event stream, in one pass and without recursion, so:
aliases are refused before anything is expanded (no alias bomb), nesting depth is bounded (no
stack overflow), explicit tags outside YAML's core schema are refused (nothing is ever executed),
duplicate keys are errors, and every key and item keeps its line and column in a side table
(the data itself stays plain dicts and lists). Only `true` / `false` are booleans: YAML 1.1's
`yes` / `no` / `on` / `off` stay strings, because `unknown` / `yes` / `no` are answers here.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hdhport.errors import InputError, Problem

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_EVENTS = 2_000_000
# Items of one list or keys of one mapping: the largest legal input seen (a 35,000-service catalogue) holds
# 35,000; a 4 MB flow list of 2.1 million items was refused only by MAX_EVENTS, after 8 s and 520 MB.
MAX_ITEMS = 100_000

PathKey = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_ACCEPTED_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_ACCEPTED_TAGS.add("!")  # the non-specific tag of quoted scalars

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_OPENING = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken,
            yaml.BlockSequenceStartToken, yaml.BlockMappingStartToken)
_CLOSING = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


@dataclass
class Document:
    """A parsed YAML file: plain data plus (line, column) of every key or item, 1-based."""

    file: str
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    texts: dict[PathKey, str] = field(default_factory=dict)
    """Pulumi files only: every scalar as written (Pulumi passes a top-level config value as its text)."""

    def where(self, path: PathKey) -> tuple[int, int]:
        """The position of the longest prefix of `path` that the file spells out."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return (1, 1)

    def display(self, path: PathKey) -> str:
        """Dotted path where list items that carry an `id` are named by it (services.object_storage)."""
        parts: list[str] = []
        node: Any = self.data
        for key in path:
            if isinstance(key, int):
                item = node[key] if isinstance(node, list) and 0 <= key < len(node) else None
                ident = item.get("id") if isinstance(item, dict) else None
                if isinstance(ident, str) and ident:
                    parts.append(ident)
                elif parts:
                    parts[-1] += f"[{key}]"
                else:
                    parts.append(f"[{key}]")
                node = item
            else:
                parts.append(str(key))
                node = node.get(key) if isinstance(node, dict) else None
        return ".".join(parts)

    def problem(self, path: PathKey, message: str) -> Problem:
        line, column = self.where(path)
        return Problem(self.file, line, column, self.display(path), message)


class _Scalars:
    """Turns scalar events into Python values with the safe core schema, booleans narrowed."""

    def __init__(self) -> None:
        self._resolver = yaml.resolver.Resolver()
        self._constructor = yaml.constructor.SafeConstructor()

    def value(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        if tag in (None, "!"):
            tag = self._resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        text = event.value
        if tag == f"{_CORE}str":
            return text
        if tag == f"{_CORE}bool" and text.lower() not in ("true", "false"):
            return text
        node = yaml.ScalarNode(tag, text)  # marks are kept in the side table, not on nodes
        build = self._constructor.yaml_constructors.get(tag)
        if build is None:
            return text
        try:
            return build(self._constructor, node)
        except (ValueError, OverflowError, yaml.YAMLError):
            # A malformed date such as 2025-13-45 stays text; the model then says what is wrong.
            return text


class _PulumiScalars:
    """Scalars as Pulumi's Go YAML library (gopkg.in/yaml.v3) reads them, YAML 1.2's core schema: only
    true/True/TRUE and false/False/FALSE are booleans (`yes` is text), there are no sexagesimal numbers
    (`1:30` is text) and a timestamp stays text. One difference, on purpose: a plain number with a leading
    zero (`010`) is refused, because Pulumi reads it as the text '010' for a key of its own and as 8 (octal)
    inside a list or a mapping; nobody means either."""

    _NULLS = frozenset({"", "~", "null", "Null", "NULL"})
    _BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
    _FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
    _INT = re.compile(r"[-+]?(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)")
    _LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
    _SPECIAL = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")

    def value(self, event: yaml.ScalarEvent) -> Any:
        text = event.value
        if event.style not in (None, "") or event.tag in (f"{_CORE}str", "!"):  # libyaml says '' for plain
            return text  # quoted or block scalars, and !!str, are text as written
        if text in self._NULLS:
            return None
        if text in self._BOOLS:
            return self._BOOLS[text]
        digits = text.replace("_", "")
        if self._LEADING_ZERO.fullmatch(digits):
            raise ValueError(f"'{text}' is ambiguous: Pulumi reads it as the text '{text}' for a key of its own "
                             f"and as an octal number inside a list; write {int(digits, 10)} or quote it")
        if self._SPECIAL.fullmatch(text):
            raise ValueError(f"'{text}' is not a finite number; a stack value must convert to JSON")
        if self._INT.fullmatch(digits):
            number = int(digits, 0)
            if -(2 ** 63) <= number < 2 ** 64:
                return number
        if self._FLOAT.fullmatch(digits):
            return float(digits)
        return text


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: PathKey
    key: str | None = None
    key_pending: bool = True
    skip_value: bool = False
    first_seen: dict[str, int] = field(default_factory=dict)


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError([Problem(name, line, column, "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x})")]) from None


def _too_deep(name: str, where: tuple[int, int]) -> Problem:
    return Problem(name, *where, "", f"nesting deeper than {MAX_DEPTH} levels")


def _nesting_beyond_limit(text: str, end: int) -> tuple[int, int] | None:
    """Where nesting first goes deeper than MAX_DEPTH before offset `end`, if it does.

    Asked only after the YAML library failed. Events reach `parse_text` late for flow collections (the
    scanner looks up to 1,024 characters ahead for a possible key), and libyaml 0.2.6 and later, which
    PyYAML 6.0.4's wheels carry, refuse deep flow nesting in that scanner, in their own words, before any
    event comes out. So the tokens are counted again with PyYAML's pure-Python scanner, which has no depth
    limit, and the refusal is hdhport's, at the same place, whatever the library version.
    """
    scanner = yaml.SafeLoader(text)
    depth = 0
    try:
        while scanner.check_token():
            token = scanner.get_token()  # type: ignore[no-untyped-call]
            if token.start_mark.index > end:
                return None
            if isinstance(token, _OPENING):
                depth += 1
                if depth > MAX_DEPTH:
                    return _mark(token.start_mark)
            elif isinstance(token, _CLOSING):
                depth -= 1
    except yaml.YAMLError:
        return None  # a real syntax error before any excess nesting: the library's report stands
    finally:
        scanner.dispose()
    return None


_FLOW_CONTEXTS = {"while parsing a flow sequence": ("[", "]"), "while parsing a flow mapping": ("{", "}")}


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    """hdhport's words for the syntax errors people make, the library's for the rest.

    libyaml and the pure-Python parser word the same error differently (and may change it in any release),
    so the common cases are said here from where the error is: a tab, an unclosed flow collection.
    """
    mark = exc.problem_mark or exc.context_mark
    if mark is not None and text[mark.index:mark.index + 1] == "\t":
        return "a tab where YAML expects spaces; YAML indents with spaces only"
    brackets = _FLOW_CONTEXTS.get(str(exc.context or ""))
    if brackets is not None and exc.context_mark is not None:
        line, column = _mark(exc.context_mark)
        opening, closing = brackets
        return (f"the '{opening}' opened on line {line}, column {column} is not closed by '{closing}', "
                "or two of its items have no comma between them")
    return " ".join(str(part) for part in (exc.context, exc.problem) if part) or "not valid YAML"


def parse_text(text: str, name: str, *, pulumi: bool = False) -> Document:
    """Parse YAML text into a Document or raise InputError listing every problem found.

    `pulumi`: a file Pulumi's engine reads too (Pulumi.yaml, Pulumi.<stack>.yaml): its scalars are read the way
    Pulumi reads them (`_PulumiScalars`) and each one's text is kept in `Document.texts`."""
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise InputError([Problem(name, 1, 1, "", "file is empty; expected a YAML mapping")])
    doc = Document(name, None)
    problems: list[Problem] = []
    scalars: _Scalars | _PulumiScalars = _PulumiScalars() if pulumi else _Scalars()
    stack: list[_Frame] = []
    documents = 0
    root_set = False

    def attach(value: Any, start: Any) -> None:
        nonlocal root_set
        if not stack:
            doc.data, root_set = value, True
            doc.positions[()] = _mark(start)
            return
        frame = stack[-1]
        if isinstance(frame.container, list):
            index = len(frame.container)
            if index >= MAX_ITEMS:
                raise InputError(problems + [_too_many(frame, "a list of more than", "items")])
            frame.container.append(value)
            doc.positions[frame.path + (index,)] = _mark(start)
            return
        if frame.key_pending:
            frame.key_pending = False
            frame.skip_value = False
            pos = _mark(start)
            if not isinstance(value, str):
                problems.append(Problem(name, *pos, doc.display(frame.path), f"key {value!r} is not a string"))
                frame.skip_value = True
                return
            if value in frame.first_seen:
                first = frame.first_seen[value]
                problems.append(Problem(name, *pos, doc.display(frame.path + (value,)),
                                        f"duplicate key '{value}' (first defined on line {first})"))
                frame.skip_value = True
                return
            if len(frame.first_seen) >= MAX_ITEMS:
                raise InputError(problems + [_too_many(frame, "a mapping of more than", "keys")])
            frame.first_seen[value] = pos[0]
            frame.key = value
            doc.positions[frame.path + (value,)] = pos
            return
        frame.key_pending = True
        if not frame.skip_value and frame.key is not None:
            frame.container[frame.key] = value

    def _too_many(frame: _Frame, what: str, unit: str) -> Problem:
        return Problem(name, *doc.positions.get(frame.path, (1, 1)), doc.display(frame.path),
                       f"{what} {MAX_ITEMS:,} {unit}; no file hdhport reads holds that many")

    def child_path() -> PathKey:
        if not stack:
            return ()
        frame = stack[-1]
        if isinstance(frame.container, list):
            return frame.path + (len(frame.container),)
        return frame.path + ((frame.key,) if frame.key is not None and not frame.skip_value else ("?",))

    def check_tag(event: Any) -> bool:
        tag = getattr(event, "tag", None)
        if tag is None or tag in _ACCEPTED_TAGS:
            return True
        problems.append(Problem(name, *_mark(event.start_mark), doc.display(child_path()),
                                f"tag '{tag}' is not accepted; only plain YAML values are"))
        return False

    try:
        for count, event in enumerate(yaml.parse(text, Loader=_Loader)):
            if count > MAX_EVENTS:
                raise InputError([Problem(name, *_mark(event.start_mark), "", "document is too large")])
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    problems.append(Problem(name, *_mark(event.start_mark), "",
                                            "more than one YAML document; expected exactly one"))
                    break
            elif isinstance(event, yaml.AliasEvent):
                raise InputError([Problem(name, *_mark(event.start_mark), doc.display(child_path()),
                                          "YAML aliases (*name) are not accepted; write the value out")])
            elif isinstance(event, yaml.ScalarEvent):
                value = None
                if check_tag(event):
                    try:
                        value = scalars.value(event)
                    except ValueError as exc:
                        problems.append(Problem(name, *_mark(event.start_mark), doc.display(child_path()), str(exc)))
                if pulumi and not (stack and isinstance(stack[-1].container, dict) and stack[-1].key_pending):
                    doc.texts[child_path()] = event.value
                attach(value, event.start_mark)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise InputError([_too_deep(name, _mark(event.start_mark))])
                check_tag(event)
                container: dict[str, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
                path = child_path()
                if stack and isinstance(stack[-1].container, dict) and stack[-1].key_pending:
                    raise InputError(problems + [Problem(name, *_mark(event.start_mark), doc.display(stack[-1].path),
                                                         "a key must be a plain string, not a mapping or list")])
                attach(container, event.start_mark)
                stack.append(_Frame(container, path))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        deep = _nesting_beyond_limit(text, mark.index if mark is not None else len(text))
        if deep is not None:
            raise InputError(problems + [_too_deep(name, deep)]) from None
        raise InputError(problems + [Problem(name, *_mark(mark), "", f"invalid YAML: {_syntax_message(exc, text)}")]) \
            from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        raise InputError(problems + [Problem(name, line, column, "",
                                             f"character {exc.character!r} is not allowed in YAML")]) from None
    except yaml.YAMLError as exc:
        raise InputError(problems + [Problem(name, 1, 1, "", f"invalid YAML: {exc}")]) from None
    if problems:
        raise InputError(problems)
    if not root_set or not isinstance(doc.data, dict):
        raise InputError([Problem(name, *doc.positions.get((), (1, 1)), "",
                                  "expected a YAML mapping at the top of the file")])
    return doc


def read_regular_file(path: Path, name: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of `path`, refused with a located InputError unless it is a regular file of at most `limit` bytes.

    Opened without blocking and checked on the open descriptor: a FIFO, a device or a socket is refused at
    once (reading a FIFO nobody writes to would wait forever), and nothing can swap the file in between.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError([Problem(name, 1, 1, "", f"cannot read file: {exc.strerror or exc}")]) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError([Problem(name, 1, 1, "", "cannot read file: Is a directory")])
        if not stat.S_ISREG(info.st_mode):
            raise InputError([Problem(name, 1, 1, "", "not a regular file (a FIFO, device or socket); "
                                                      "give a file")])
        if info.st_size > limit:
            raise InputError([Problem(name, 1, 1, "", f"file is larger than {limit // (1024 * 1024)} MiB")])
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise InputError([Problem(name, 1, 1, "", f"cannot read file: {exc.strerror or exc}")]) from None
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise InputError([Problem(name, 1, 1, "", f"file is larger than {limit // (1024 * 1024)} MiB")])
    return raw


def load_document(path: Path, display_name: str | None = None, *, pulumi: bool = False) -> Document:
    """Read and parse one YAML file; every failure becomes an InputError naming the file."""
    name = display_name or str(path)
    return parse_text(_decode(read_regular_file(path, name), name), name, pulumi=pulumi)
