"""Where an rclone path leads, for the checks that `hdhport migrate objects` never writes into its source, nor
its manifest into either side (issue 17).

A path leads to one place or several (Lead): a local path as the kernel resolves it, or a remote's path with
its redundant separators removed. Followed to what they store in, through the configuration the Rclone reads
(`rclone config dump`, once), the RCLONE_CONFIG_<REMOTE>_<KEY> and RCLONE_<BACKEND>_<KEY> variables and the
connection-string parameters, each as rclone ranks them: `:local:` and remotes of type `local`; `alias`;
the wrappers that keep their names below the underlying `remote` (`chunker`, `compress`, `hasher`, `cache`);
`crypt` (the place below its `remote` is read back from the encrypted names by `rclone cryptdecode`);
`union` (each of its `upstreams`, `:ro`, `:nc` and `:writeback` dropped) and `combine` (the upstream its first
folder names, or all of them at its root). Two remotes compare by name; two on-the-fly backends by the whole
`:backend,...:` head. A wrapper whose underlying cannot be found is Unresolved, never taken as elsewhere.
"""
from __future__ import annotations

import csv
import os
import posixpath
from dataclasses import dataclass

from hdhport.errors import InputError, Problem
from hdhport.migrate.rclone import Rclone, remote_name, split_connection
from hdhport.migrate.redaction import redact

DEPTH = 16  # remotes followed through one another; an alias deeper than this is rclone's loop to report
STEPS = 1000  # remotes followed for one path in all: unions of unions cannot multiply them without end
WRAPPERS = ("crypt", "chunker", "compress", "hasher", "cache")  # each over its `remote`
_FALSE = ("0", "f", "false")  # rclone's (Go's) false booleans, case-insensitively
_UNION_SUFFIXES = (":ro", ":nc", ":writeback")


class Unresolved(ValueError):
    """Where a wrapper remote stores cannot be told; the message is one line, without credentials."""


@dataclass(frozen=True)
class Lead:
    """One place a path leads to: `place` (a real local path, or `remote:path`), and below it, for a crypt
    remote that encrypts its folder names, the plain folder path `hidden` stored under encrypted names that
    `rclone cryptdecode <decoder> NAME` reads ("": not readable, any name below `place` may be it)."""

    place: str
    hidden: str = ""
    decoder: str = ""
    direct: bool = True  # reached through `local` and `alias` remotes only: rclone's local backend reads it

    @property
    def local(self) -> bool:
        return remote_name(self.place) is None

    def __str__(self) -> str:
        return f"{self.place.rstrip('/')}/<{self.hidden}, crypt-encrypted>" if self.hidden else self.place


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder if folder.endswith((":", "/")) else folder + "/")


def _join(target: str, rest: str) -> str:
    """rclone's path `rest` below the remote path `target` (as alias and the wrappers join them)."""
    if not rest:
        return target
    return target + rest if target.endswith(":") else target.rstrip("/") + "/" + rest.lstrip("/")


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _space_separated(value: str) -> list[str]:
    """rclone's space-separated list (union and combine `upstreams`): CSV with a space between fields."""
    try:
        return [field for row in csv.reader([value], delimiter=" ", skipinitialspace=True) for field in row if field]
    except csv.Error:
        return value.split()


class Resolver:
    """Leads of rclone paths, and whether two of them meet, through one Rclone's configuration (None: only
    local paths and on-the-fly backends are followed)."""

    def __init__(self, rclone: Rclone | None) -> None:
        self.rclone = rclone
        self._decoded: dict[tuple[str, str], str | None] = {}
        self._steps = 0

    def leads(self, path: str, depth: int = 0) -> list[Lead]:
        """Where `path` leads: several places through a union or combine, none through a combine folder that
        is none of its upstreams'. Raises Unresolved for a wrapper whose underlying place cannot be told."""
        self._steps = 1 if depth == 0 else self._steps + 1
        if self._steps > STEPS:
            raise Unresolved(f"{redact(path)!r} is reached through more than {STEPS} remotes")
        if remote_name(path) is None:
            return [Lead(os.path.realpath(os.path.abspath(path)))]
        parsed = split_connection(path)
        if parsed is not None:
            name, parameters, rest = parsed
            head, given = path[:len(path) - len(rest) - 1], dict(parameters)
        else:
            colon = path.find(":", 1)  # `:backend:rest` or `name:rest`
            if colon < 0:
                return [Lead(path)]
            name, head, rest, given = path[:colon], path[:colon], path[colon + 1:], {}
        configured: dict[str, str] = {}
        if name.startswith(":"):
            kind = name[1:]
        elif self.rclone is not None:
            configured = self.rclone.settings(name)
            kind = given.get("type") or configured.get("type", "")
        else:
            kind = given.get("type", "")
        environment = self.rclone.env() if self.rclone is not None else dict(os.environ)

        def option(key: str) -> str:
            """As rclone ranks them: connection string, remote's variable, backend's variable, configuration."""
            variables = ([] if name.startswith(":") else [f"RCLONE_CONFIG_{name}_{key}"]) + [f"RCLONE_{kind}_{key}"]
            for variable in variables:
                value = environment.get(variable.upper().replace("-", "_"))
                if value is not None and key not in given:
                    return value
            return given.get(key, configured.get(key, ""))

        shown = redact(f"{head}:")
        # A configured remote is one store whatever parameters its connection string overrides (`r,region=x:`
        # is still r's): the place is its name. An on-the-fly backend's parameters are what name its store
        # (`:s3,endpoint=...:`), so they stay part of the place.
        store = head if name.startswith(":") else name
        if kind == "local":
            return [Lead(os.path.realpath(os.path.abspath(rest)))]
        if kind == "alias":
            if option("remote") and depth < DEPTH:  # an alias of an alias...: rclone's loop, reported by rclone
                return self.leads(_join(option("remote"), rest), depth + 1)
            return [Lead(f"{store}:{posixpath.normpath('/' + rest).lstrip('/')}")]
        if kind not in WRAPPERS and kind not in ("union", "combine"):
            return [Lead(f"{store}:{posixpath.normpath('/' + rest).lstrip('/')}")]
        if depth >= DEPTH:
            raise Unresolved(f"{shown!r} is a {kind} remote over remotes more than {DEPTH} deep (a loop?)")
        if kind in WRAPPERS:
            target = option("remote")
            if not target:
                raise Unresolved(f"{shown!r} is a {kind} remote with no underlying 'remote'")
            if kind == "crypt" and option("filename_encryption").lower() != "off" and (
                    option("directory_name_encryption").lower() not in _FALSE):
                plain = "/".join(_parts(rest))
                found = []
                for under in self.leads(target, depth + 1):
                    hidden = "/".join(_parts(under.hidden) + _parts(plain))
                    # crypt below crypt: the outer names are encrypted twice over, not read back
                    decoder = under.decoder if not plain else "" if under.hidden else (
                        f"{head}:" if self.rclone is not None else "")
                    found.append(Lead(under.place, hidden, decoder, direct=False))
                return found
            return [Lead(lead.place, lead.hidden, lead.decoder, direct=False)
                    for lead in self.leads(_join(target, rest), depth + 1)]
        upstreams = _space_separated(option("upstreams"))
        if not upstreams:
            raise Unresolved(f"{shown!r} is a {kind} remote with no 'upstreams'")
        targets: list[str] = []
        if kind == "union":
            for upstream in upstreams:
                for suffix in _UNION_SUFFIXES:
                    upstream = upstream.removesuffix(suffix)
                targets.append(_join(upstream, rest))
        else:  # combine: `folder=remote:path` each, the folder as the first part of the path
            wanted = "/".join(_parts(rest))
            for upstream in upstreams:
                folder, equals, target = upstream.partition("=")
                folder = "/".join(_parts(folder))
                if not equals or not folder:
                    raise Unresolved(f"{shown!r} is a combine remote with an upstream that is not 'folder=remote:path'")
                if not wanted:
                    targets.append(target)
                elif inside(wanted, folder):
                    targets.append(_join(target, wanted[len(folder):].lstrip("/")))
        return [Lead(lead.place, lead.hidden, lead.decoder, direct=False)
                for target in targets for lead in self.leads(target, depth + 1)]

    def checked_leads(self, path: str, role: str, other: str) -> list[Lead]:
        """The leads of a path given as `role` (SOURCE, DEST); bad input when its place cannot be told."""
        try:
            return self.leads(path)
        except Unresolved as exc:
            raise InputError([Problem.argument(role, f"cannot tell where {redact(path)!r} leads, hence whether it "
                                      f"overlaps the {other}: {exc}")]) from None

    def local_root(self, path: str) -> str | None:
        """The local folder rclone's local backend reads for `path` (plain, `:local:`, a `local` remote, an
        alias of one), or None when the path goes elsewhere or through a wrapper."""
        try:
            found = self.leads(path)
        except Unresolved:
            return None
        return found[0].place if len(found) == 1 and found[0].local and found[0].direct and not found[0].hidden \
            else None

    def meet(self, one: Lead, other: Lead) -> bool:
        """Whether one lies inside the other (or they are the same place)."""
        return self.within(one, other) or self.within(other, one)

    def within(self, inner: Lead, outer: Lead) -> bool:
        """Whether `inner`'s place is `outer`'s or lies inside it."""
        if remote_name(inner.place) != remote_name(outer.place):
            return False
        if not (inside(inner.place, outer.place) or inside(outer.place, inner.place)):
            return False
        if not inner.hidden and not outer.hidden:
            return inside(inner.place, outer.place)
        if inner.hidden and outer.hidden:
            if inner.place == outer.place and inner.decoder and inner.decoder == outer.decoder:
                return inside(inner.hidden, outer.hidden)  # two plain paths of one crypt remote
            return True  # cannot tell them apart: taken as one
        if inner.hidden:  # `outer` holds inner.place, or is a folder below it that may be one of inner's
            if inside(inner.place, outer.place):
                return True
            below, hidden = _parts(outer.place[len(inner.place):]), _parts(inner.hidden)
            return len(below) <= len(hidden) and self._decodes_to(inner.decoder, below, hidden[:len(below)])
        if inside(outer.place, inner.place):  # `inner` holds outer.place: not inside it, since `hidden` is below
            return False
        below, hidden = _parts(inner.place[len(outer.place):]), _parts(outer.hidden)
        return len(below) >= len(hidden) and self._decodes_to(outer.decoder, below[:len(hidden)], hidden)

    def _decodes_to(self, decoder: str, names: list[str], plain: list[str]) -> bool:
        """Whether the encrypted folder path `names` is crypt `decoder`'s name for `plain` (unknown: taken as so)."""
        if not decoder or self.rclone is None:
            return True
        encrypted = "/".join(names)
        key = (decoder, encrypted)
        if key not in self._decoded:
            done = self.rclone._run("cryptdecode", decoder, encrypted)
            if done.returncode != 0:
                raise Unresolved(f"rclone cryptdecode {redact(decoder)} failed: cannot tell which folders under "
                                 "its remote it uses")
            line = next((x for x in done.stdout.splitlines() if x.startswith(encrypted + " \t ")), "")
            answer = line[len(encrypted) + 3:]
            self._decoded[key] = None if not line or answer == "Failed to decrypt" else answer
        return self._decoded[key] == "/".join(plain)
