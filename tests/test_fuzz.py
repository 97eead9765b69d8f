"""Property: whatever bytes are given, `hdhport validate` exits 0 or 2 with located one-line messages."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA
from hdhport.cli import main

CATALOGUE_TEXT = (DATA / "mini_catalog.yaml").read_text(encoding="utf-8")
PROFILE_TEXT = (DATA / "mini_profile.yaml").read_text(encoding="utf-8")
LOCATED = re.compile(r"^[^\n:]+:\d+:\d+: .+$")
YAML_PIECES = st.sampled_from([
    "\n", " ", "  ", "\t", ":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object ",
    "!x ", "'", '"', "#", "---\n", "...\n", "? ", "|", ">", "%YAML 1.1\n", "yes", "no", "2025-13-45",
    "services", "id", "vocabulary", "offers", "\x00", "\ufeff", "é", "1e400", "~", "null",
])


def _mutations() -> st.SearchStrategy[bytes]:
    def mutate(base: str, cuts: list[tuple[int, str]]) -> bytes:
        text = base
        for position, piece in cuts:
            at = position % (len(text) + 1)
            text = text[:at] + piece + text[at + len(piece) // 2:]
        return text.encode("utf-8", "surrogatepass")

    cuts = st.lists(st.tuples(st.integers(min_value=0, max_value=10_000), YAML_PIECES), min_size=1, max_size=6)
    return st.builds(mutate, st.sampled_from([CATALOGUE_TEXT, PROFILE_TEXT]), cuts)


ANY_BYTES = st.one_of(st.binary(max_size=400), st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
                      _mutations())


def _check(data: bytes, kind: str, tmp: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    target = tmp / f"{kind}.yaml"
    target.write_bytes(data)
    if kind == "profile":
        argv = ["--catalog", str(DATA / "mini_catalog.yaml"), "--profiles-dir", "none", "validate", str(target)]
    else:
        argv = ["--catalog", str(target), "--profiles-dir", "none", "validate"]
    code = main(argv)
    captured = capsys.readouterr()
    assert code in (0, 2), captured.err
    if code == 2:
        assert captured.err and captured.out == ""
        assert all(LOCATED.match(line) for line in captured.err.splitlines()), captured.err
        assert "internal error" not in captured.err
    else:
        assert captured.err == ""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=ANY_BYTES, kind=st.sampled_from(["catalogue", "profile"]))
def test_validate_only_ever_exits_0_or_2_with_located_messages(data: bytes, kind: str, tmp_path: Path,
                                                                capsys) -> None:  # type: ignore[no-untyped-def]
    _check(data, kind, tmp_path, capsys)
