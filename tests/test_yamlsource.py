"""The YAML reader: positions kept, hostile documents refused early and cheaply."""
from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest

from hdhport.errors import InputError
from hdhport.yamlsource import parse_text


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


@pytest.mark.parametrize("opening,closing", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_refused_not_recursed(opening: str, closing: str) -> None:
    text = "x: " + opening * 100_000 + closing * 100_000 + "\n"
    with pytest.raises(InputError, match="nesting deeper than 64 levels"):
        parse_text(text, "deep.yaml")


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
