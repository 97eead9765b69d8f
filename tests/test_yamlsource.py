"""The YAML reader: positions kept, hostile documents refused early and cheaply."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import yaml

import hdhport.yamlsource
from hdhport.errors import InputError
from hdhport.yamlsource import parse_text

ROOT = Path(__file__).resolve().parent.parent
# PyYAML 6.0.2, the last before libyaml's own nesting limit, installed apart by `make install`
COMPAT_PYYAML = ROOT / ".venv" / "compat" / "pyyaml"
# Both parsers PyYAML ships: libyaml (what hdhport uses when the wheel carries it) and pure Python.
LOADERS = [pytest.param(getattr(yaml, "CSafeLoader", None), id="libyaml"), pytest.param(yaml.SafeLoader, id="python")]


@pytest.fixture(params=LOADERS)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    chosen = request.param
    assert chosen is not None, f"PyYAML {yaml.__version__} here has no libyaml binding; the lock's wheel has one"
    monkeypatch.setattr(hdhport.yamlsource, "_Loader", chosen)
    return chosen  # type: ignore[no-any-return]


def test_positions_are_kept_per_key_and_item() -> None:
    doc = parse_text("a: 1\nitems:\n  - id: first\n  - id: second\n    x: [1, 2]\n", "f.yaml")
    assert doc.data == {"a": 1, "items": [{"id": "first"}, {"id": "second", "x": [1, 2]}]}
    assert doc.positions[("a",)] == (1, 1)
    assert doc.positions[("items", 1)] == (4, 5)
    assert doc.positions[("items", 1, "x")] == (5, 5)
    assert doc.display(("items", 1, "x", 0)) == "items.second.x[0]"
    assert doc.where(("items", 1, "x", 7)) == (5, 5)


def test_only_true_and_false_are_booleans() -> None:
    doc = parse_text("a: yes\nb: no\nc: on\nd: true\ne: False\n", "f.yaml")
    assert doc.data == {"a": "yes", "b": "no", "c": "on", "d": True, "e": False}


def test_dates_are_dates_and_impossible_dates_stay_text() -> None:
    doc = parse_text("good: 2025-12-17\nbad: 2025-13-45\n", "f.yaml")
    assert doc.data == {"good": dt.date(2025, 12, 17), "bad": "2025-13-45"}


def _billion_laughs(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_without_expanding_it() -> None:
    text = _billion_laughs(30)  # 10**30 nodes if expanded
    tracemalloc.start()
    with pytest.raises(InputError) as caught:
        parse_text(text, "bomb.yaml")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "aliases" in str(caught.value)
    assert peak < 5 * 1024 * 1024


DEEP = [("[", "]", "deep.yaml:1:67: nesting deeper than 64 levels"),
        ("{a: ", "}", "deep.yaml:1:256: nesting deeper than 64 levels")]


@pytest.mark.parametrize("opening,closing,expected", DEEP)
def test_deep_nesting_is_refused_not_recursed(opening: str, closing: str, expected: str, loader: type) -> None:
    text = "x: " + opening * 100_000 + closing * 100_000 + "\n"
    with pytest.raises(InputError) as caught:
        parse_text(text, "deep.yaml")
    assert [str(p) for p in caught.value.problems] == [expected]


def test_deep_nesting_is_refused_in_the_same_words_under_pyyaml_6_0_2() -> None:
    """PyYAML 6.0.4 refuses deep flow nesting itself, in its own words; 6.0.2 does not: same message under both."""
    assert (COMPAT_PYYAML / "yaml").is_dir(), f"{COMPAT_PYYAML} is missing: run `make install`"
    script = ("import yaml; from hdhport.errors import InputError; from hdhport.yamlsource import parse_text\n"
              "print(yaml.__version__, yaml.__with_libyaml__)\n"
              f"for opening, closing, _ in {DEEP!r}:\n"
              "    try: parse_text('x: ' + opening * 100_000 + closing * 100_000 + '\\n', 'deep.yaml')\n"
              "    except InputError as exc: print(exc.problems[0])\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(COMPAT_PYYAML), str(ROOT)])}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.splitlines() == ["6.0.2 True"] + [expected for _, _, expected in DEEP]


@pytest.mark.parametrize("text,expected", [
    ("version: 1\nservices: [a, b\nvocabulary: {}\n",
     "f.yaml:3:11: invalid YAML: the '[' opened on line 2, column 11 is not closed by ']', "
     "or two of its items have no comma between them"),
    ("a: {b: 1\nc: 2\n",
     "f.yaml:2:2: invalid YAML: the '{' opened on line 1, column 4 is not closed by '}', "
     "or two of its items have no comma between them"),
    ("version: 1\nservices:\n\t- id: x\n",
     "f.yaml:3:1: invalid YAML: a tab where YAML expects spaces; YAML indents with spaces only"),
])
def test_common_syntax_errors_are_said_in_hdhports_words_by_either_parser(text: str, expected: str,
                                                                           loader: type) -> None:
    with pytest.raises(InputError) as caught:
        parse_text(text, "f.yaml")
    assert [str(p) for p in caught.value.problems] == [expected]


@pytest.mark.parametrize("text", [
    "a: !!python/object/apply:os.system ['true']\n",
    "a: !!python/name:os.system\n",
    "a: !custom 1\n",
    "!!python/object:object {}\n",
    "a: !!binary aGVsbG8=\n",
])
def test_tags_outside_the_core_schema_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="is not accepted"):
        parse_text(text, "tag.yaml")


def test_explicit_core_tags_are_fine() -> None:
    assert parse_text("a: !!str 12\nb: !!int '3'\n", "f.yaml").data == {"a": "12", "b": 3}


def test_every_duplicate_key_is_reported() -> None:
    with pytest.raises(InputError) as caught:
        parse_text("a: 1\nb: 2\na: 3\nb: 4\n", "dup.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "dup.yaml:3:1: a: duplicate key 'a' (first defined on line 1)",
        "dup.yaml:4:1: b: duplicate key 'b' (first defined on line 2)",
    ]


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(InputError, match="key 1 is not a string"):
        parse_text("1: a\n", "k.yaml")
