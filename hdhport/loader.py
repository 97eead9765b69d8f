"""Load the catalogue and the profiles, reporting every problem at once with its file, line and column.

Three passes per file: YAML parsing (hdhport.yamlsource), the strict model (hdhport.model), then the
checks a model cannot make alone: vocabulary membership, duplicate ids, and the cross-file agreement
between profiles and the catalogue.
"""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hdhport.errors import InputError, Problem
from hdhport.model import Catalogue, Profile
from hdhport.registry import API_FAMILIES
from hdhport.yamlsource import Document, PathKey, load_document

_MAX_LISTED_TERMS = 12


@dataclass(frozen=True)
class Specification:
    """The catalogue and the profiles, validated together."""

    catalogue: Catalogue
    profiles: dict[str, Profile]
    sources: dict[str, str]  # profile id -> file it came from


# ------------------------------------------------------------ pydantic errors -> problems


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated / Optional so the container or model underneath shows."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            arms = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = arms[0] if len(arms) == 1 else annotation
            if len(arms) != 1:
                return annotation
        else:
            return annotation


def _annotation_at(root: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    """The type annotation of the value found at `loc` (None when the path leaves the model)."""
    current: Any = root
    for key in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(key))
            if field is None:
                return None
            current = field.annotation
        elif origin is list:
            current = typing.get_args(current)[0]
        elif origin is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    return _unwrap(current)


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the mapping found at `loc`."""
    current = _annotation_at(root, loc)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _one_of(values: Iterable[Any]) -> str:
    quoted = [repr(v) for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _short(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# What a value of each pydantic error kind should have been, in hdhport's words (pydantic rewords its
# messages between releases; a located message is this project's interface, not the library's).
_EXPECTED = {
    **dict.fromkeys(("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"),
                    "a date written YYYY-MM-DD"),
    **dict.fromkeys(("string_type", "string_sub_type"), "text"),
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), "a whole number"),
    **dict.fromkeys(("float_type", "float_parsing"), "a number"),
    **dict.fromkeys(("list_type", "tuple_type", "set_type"), "a list"),
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type"), "a mapping of keys to values"),
}

_BOUNDS = {"greater_than": ("above", "gt"), "greater_than_equal": ("at least", "ge"),
           "less_than": ("below", "lt"), "less_than_equal": ("at most", "le")}


_EXPONENT_WITHOUT_DOT = re.compile(r"([-+]?[0-9]+)([eE][-+]?[0-9]+)")


def _exponent_hint(value: Any) -> str:
    """YAML 1.1, which PyYAML follows, reads `1e-300` as text: a number in exponent form needs a dot."""
    match = _EXPONENT_WITHOUT_DOT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return ""
    return f"; YAML reads a number with an exponent but no dot as text: write {match[1]}.0{match[2]}"


def _message(root: type[BaseModel], error: Mapping[str, Any]) -> str:
    kind, loc, ctx = error["type"], error["loc"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        owner = _model_at(root, loc[:-1])
        allowed = ", ".join(owner.model_fields) if owner else "?"
        return f"unknown key '{loc[-1]}'; expected one of {allowed}"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind == "literal_error":
        annotation = _annotation_at(root, loc)
        literal = typing.get_origin(annotation) is typing.Literal
        allowed = _one_of(typing.get_args(annotation)) if literal else str(ctx.get("expected", "?"))
        return f"unknown value {_short(error['input'])}; expected {allowed}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "bool_type":
        return f"expected true or false (got {_short(error['input'])})"
    if kind == "string_pattern_mismatch":
        return f"invalid value {_short(error['input'])}: does not match {ctx.get('pattern')}"
    bound = _BOUNDS.get(kind)
    if bound is not None:
        word, limit = bound
        value = ctx.get(limit)
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        return f"expected a number {word} {shown} (got {_short(error['input'])})"
    expected = _EXPECTED.get(kind)
    if expected is not None:
        return f"expected {expected} (got {_short(error['input'])}){_exponent_hint(error['input'])}"
    # pydantic's own words, for the kinds no fixture has shown yet
    return f"{error['msg']} (got {type(error['input']).__name__} {_short(error['input'])})"


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_characters(doc: Document) -> list[Problem]:
    """Text holding a control character (other than tab and line breaks), which YAML lets in through a quoted
    escape (`"\\e[2K"`): it means nothing in a fact, rewrites a terminal, and a spreadsheet cannot hold it (the
    XLSX export failed on it with an internal error)."""
    problems: list[Problem] = []
    pending: list[tuple[PathKey, Any]] = [((), doc.data)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, dict):
            pending += [(path + (key,), value) for key, value in node.items()]
        elif isinstance(node, list):
            pending += [(path + (index,), value) for index, value in enumerate(node)]
        elif isinstance(node, str) and (found := _CONTROL.search(node)):
            problems.append(doc.problem(path, f"control character {found.group()!r} in text; remove it"))
    return sorted(problems)


def _validate(model: type[BaseModel], doc: Document) -> tuple[Any, list[Problem]]:
    control = _control_characters(doc)
    if control:
        return None, control
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(part for part in error["loc"] if part != "[key]")
            path: PathKey = tuple(p for p in loc if isinstance(p, (str, int)))
            if error["type"] == "missing":
                problems.append(doc.problem(path[:-1], _message(model, error)))
            else:
                problems.append(doc.problem(path, _message(model, error)))
        return None, problems


# ------------------------------------------------------------ vocabulary checks


def _unknown_term(doc: Document, path: PathKey, value: str, vocabulary: Mapping[str, Any], what: str,
                  own: bool = False) -> Problem:
    """One line that says what is accepted: the closest terms of a long vocabulary when some are close, every
    term otherwise (a bidder naming its own API has never seen the catalogue's vocabulary)."""
    terms = sorted(vocabulary)
    close = difflib.get_close_matches(value, terms, n=3) if len(terms) > _MAX_LISTED_TERMS else []
    if close:
        hint = (f"did you mean {', '.join(close)}? (the {len(terms)} accepted terms are under "
                f"vocabulary.{what} in the catalogue)")
    else:
        hint = "expected one of " + ", ".join(terms)
    if own:  # a profile's offer: the bidder may name an interface of its own
        hint += "; an interface of your own goes under `own_interfaces` with what it is (it counts as proprietary)"
    return doc.problem(path, f"unknown value '{value}'; {hint}")


def _check_terms(doc: Document, path: PathKey, values: Iterable[str] | None,
                 vocabulary: Mapping[str, Any], what: str, own: bool = False) -> list[Problem]:
    if values is None:
        return []
    return [_unknown_term(doc, path + (i,), v, vocabulary, what, own)
            for i, v in enumerate(values) if v not in vocabulary]


def _duplicates(doc: Document, items: Iterable[tuple[PathKey, str]], what: str) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for path, ident in items:
        if ident in seen:
            problems.append(doc.problem(path, f"duplicate {what} '{ident}' (first defined on line {seen[ident]})"))
        else:
            seen[ident] = doc.where(path)[0]
    return problems


def _check_catalogue(catalogue: Catalogue, doc: Document) -> list[Problem]:
    vocab = catalogue.vocabulary
    problems = _duplicates(doc, (((("services", i, "id")), s.id) for i, s in enumerate(catalogue.services)),
                           "service id")
    for i, service in enumerate(catalogue.services):
        at: PathKey = ("services", i)
        if service.family not in vocab.families:
            problems.append(_unknown_term(doc, at + ("family",), service.family, vocab.families, "families"))
        problems += _check_terms(doc, at + ("interfaces",), service.interfaces, vocab.interfaces, "interfaces")
        for j, term in enumerate(service.interfaces):
            if term in vocab.interfaces and not vocab.interfaces[term].open:
                problems.append(doc.problem(at + ("interfaces", j),
                                            f"'{term}' is a proprietary interface; a service names open ones only"))
        problems += _check_terms(doc, at + ("controls",), service.controls, vocab.controls, "controls")
        for family in API_FAMILIES:
            impl = service.implementation(family)
            where = at + ("implementations", family)
            problems += _check_terms(doc, where + ("needs",), impl.needs, vocab.openstack_services,
                                     "openstack_services")
            problems += _check_terms(doc, where + ("interfaces",), impl.interfaces, vocab.interfaces, "interfaces")
            if family != "openstack" and impl.needs:
                problems.append(doc.problem(where + ("needs",), "`needs` lists OpenStack services; "
                                                                f"the {family} implementation cannot have it"))
    return problems


def _check_profile(profile: Profile, doc: Document, catalogue: Catalogue, today: dt.date) -> list[Problem]:
    vocab = catalogue.vocabulary
    problems: list[Problem] = []
    if profile.api_family not in vocab.api_families:
        problems.append(_unknown_term(doc, ("api_family",), profile.api_family, vocab.api_families, "api_families"))
    elif profile.api_family == "openstack" and profile.openstack is None:
        problems.append(doc.problem(("api_family",), "an openstack profile must list the OpenStack services "
                                                     "it exposes under `openstack`"))
    elif profile.api_family != "openstack" and profile.openstack is not None:
        problems.append(doc.problem(("openstack",), "`openstack` is only for profiles whose api_family is openstack"))
    if profile.openstack is not None:
        problems += _check_terms(doc, ("openstack", "services"), profile.openstack.services,
                                 vocab.openstack_services, "openstack_services")
    problems += _duplicates(doc, ((("regions", i, "id"), r.id) for i, r in enumerate(profile.regions)), "region id")
    known = {service.id for service in catalogue.services}
    for service_id, offer in profile.offers.items():
        at: PathKey = ("offers", service_id)
        if service_id not in known:
            close = difflib.get_close_matches(service_id, sorted(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(doc.problem(at, f"'{service_id}' is not a catalogue service{hint}"))
        problems += _check_terms(doc, at + ("interfaces",), offer.interfaces,
                                 {**vocab.interfaces, **profile.own_interfaces}, "interfaces", own=True)
        problems += _check_terms(doc, at + ("controls",), offer.controls, vocab.controls, "controls")
    problems += [doc.problem(("own_interfaces", term), f"'{term}' is already in the catalogue's vocabulary "
                             f"({'open' if vocab.interfaces[term].open else 'proprietary'}): name it in offers as it is")
                 for term in profile.own_interfaces if term in vocab.interfaces]
    for service in catalogue.services:
        if service.id not in profile.offers:
            problems.append(doc.problem(("offers",), f"no offer for catalogue service '{service.id}' "
                                                     "(write `offer: unknown` if it is not known)"))
    problems += [doc.problem(path, f"date {value.isoformat()} is in the future")
                 for path, value in _dates(profile, ()) if value > today]
    return problems


def _dates(node: Any, path: PathKey) -> Iterable[tuple[PathKey, dt.date]]:
    if isinstance(node, dt.date):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _dates(getattr(node, name), path + (name,))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _dates(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _dates(value, path + (index,))


# ------------------------------------------------------------ public entry points


def catalogue_from(doc: Document) -> Catalogue:
    catalogue, problems = _validate(Catalogue, doc)
    if catalogue is not None:
        problems += _check_catalogue(catalogue, doc)
    if problems:
        raise InputError(problems)
    return typing.cast(Catalogue, catalogue)


def load_catalogue(path: Path) -> Catalogue:
    """The catalogue in `path`, parsed and validated once per process while the file is unchanged.

    One process reads it many times: every stack of a plan (`--enclave-stacks` makes one per batch of
    projects), every stack the CI gate plans. The model is frozen, so one copy can be shared.
    """
    try:
        stat = path.stat()
    except OSError:
        return catalogue_from(load_document(path))  # load_document names the file in the error
    return _catalogue_of(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _catalogue_of(path: Path, mtime_ns: int, size: int) -> Catalogue:
    return catalogue_from(load_document(path))


def is_catalogue(doc: Document) -> bool:
    """A catalogue has `services`; anything else given on the command line is read as a profile."""
    return isinstance(doc.data, dict) and "services" in doc.data


def profiles_from(docs: Iterable[Document], catalogue: Catalogue,
                  today: dt.date | None = None) -> dict[str, tuple[Profile, str]]:
    """Validate every profile against the catalogue, collecting the problems of all before failing."""
    today = today or dt.date.today()
    problems: list[Problem] = []
    loaded: dict[str, tuple[Profile, str]] = {}
    for doc in docs:
        profile, found = _validate(Profile, doc)
        problems += found
        if profile is None:
            continue
        problems += _check_profile(profile, doc, catalogue, today)
        if profile.id in loaded:
            problems.append(doc.problem(("id",), f"duplicate profile id '{profile.id}' "
                                                 f"(also in {loaded[profile.id][1]})"))
            continue
        loaded[profile.id] = (profile, doc.file)
    if problems:
        raise InputError(problems)
    return loaded


def read_all(paths: Iterable[Path]) -> tuple[list[Document], list[Problem]]:
    """Parse every file, keeping the documents that parse and the problems of those that do not."""
    docs, problems = [], []
    for path in paths:
        try:
            docs.append(load_document(path))
        except InputError as exc:
            problems += exc.problems
    return docs, problems


def load_specification(catalogue_path: Path, profile_paths: Iterable[Path],
                       today: dt.date | None = None) -> Specification:
    """Load the catalogue and the profiles; problems in any file are all reported together."""
    catalogue_docs, problems = read_all([catalogue_path])
    profile_docs, more = read_all(profile_paths)
    return specification_from(catalogue_docs[0] if catalogue_docs else None, profile_docs, problems + more, today)


def specification_from(catalogue_doc: Document | None, profile_docs: list[Document],
                       parse_problems: list[Problem], today: dt.date | None = None) -> Specification:
    problems = list(parse_problems)
    catalogue = None
    if catalogue_doc is not None:
        try:
            catalogue = catalogue_from(catalogue_doc)
        except InputError as exc:
            problems += exc.problems
    loaded: dict[str, tuple[Profile, str]] = {}
    if catalogue is not None:
        try:
            loaded = profiles_from(profile_docs, catalogue, today)
        except InputError as exc:
            problems += exc.problems
    if problems or catalogue is None:
        raise InputError(problems)
    return Specification(catalogue, {pid: p for pid, (p, _) in loaded.items()},
                         {pid: src for pid, (_, src) in loaded.items()})
