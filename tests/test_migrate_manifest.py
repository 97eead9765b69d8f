"""The object manifest: deterministic bytes, a faithful round trip, and every malformed line located."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hdhport.errors import InputError
from hdhport.migrate import manifest as manifests
from hdhport.migrate.manifest import Entry

SHA = "ab" * 32
entries_strategy = st.dictionaries(
    st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s),
    st.tuples(st.integers(min_value=0, max_value=2**50), st.binary(min_size=32, max_size=32)),
    max_size=30,
).map(lambda found: [Entry(path, size, digest.hex()) for path, (size, digest) in found.items()])


@given(entries_strategy)
def test_written_then_read_gives_back_the_same_entries_and_digest(entries: list[Entry]) -> None:
    data = manifests.render(entries)
    assert manifests.render(list(reversed(entries))) == data  # the order objects were listed in does not matter
    path = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path("/tmp")
    target = path / f"hdhport-manifest-test-{hashlib.sha256(data).hexdigest()[:16]}.jsonl"
    try:
        written = manifests.write(target, entries)
        read = manifests.read(target)
    finally:
        target.unlink(missing_ok=True)
    assert read == written
    assert read.entries == tuple(sorted(entries))
    assert read.sha256 == hashlib.sha256(data).hexdigest()
    assert read.bytes == sum(e.size for e in entries)


def test_non_ascii_names_stay_readable_and_control_characters_escaped(tmp_path: Path) -> None:
    data = manifests.render([Entry("été/日本語 🚀", 1, SHA), Entry("tab\there", 2, SHA)])
    text = data.decode("utf-8")
    assert '"path":"été/日本語 🚀"' in text and '"path":"tab\\there"' in text
    assert text.splitlines()[0] == '{"bytes":3,"format":"hdhport-object-manifest/1","objects":2}'


@pytest.mark.parametrize(("lines", "where", "message"), [
    (['{"format":"other"}'], 1, "not an hdhport object manifest"),
    (["not json"], 1, "invalid JSON"),
    (['{"bytes":0,"format":"hdhport-object-manifest/1","objects":0}', "[1]"], 2, "expected a JSON object"),
    (['{"bytes":1,"format":"hdhport-object-manifest/1","objects":1}', '{"path":"a","size":1,"sha256":"xyz"}'], 2,
     "expected {\"path\": text"),
    (['{"bytes":1,"format":"hdhport-object-manifest/1","objects":1}', '{"path":"a","size":-1,"sha256":"' + SHA + '"}'],
     2, "whole number"),
    # Values no store names nor a 64-bit table holds: refused at their line, never an internal error later.
    (['{"bytes":9223372036854775808,"format":"hdhport-object-manifest/1","objects":1}',
      '{"path":"a","size":9223372036854775808,"sha256":"' + SHA + '"}'], 2, "whole number below 2**63"),
    (['{"bytes":1,"format":"hdhport-object-manifest/1","objects":1}', '{"path":"a\\udc80","size":1,"sha256":"' + SHA
      + '"}'], 2, "expected {\"path\": text"),
    (['{"bytes":2,"format":"hdhport-object-manifest/1","objects":2}', '{"path":"b","size":1,"sha256":"' + SHA + '"}',
      '{"path":"a","size":1,"sha256":"' + SHA + '"}'], 3, "object 'a' is out of order or repeated"),
    (['{"bytes":9,"format":"hdhport-object-manifest/1","objects":1}', '{"path":"a","size":1,"sha256":"' + SHA + '"}'],
     1, "header says 1 objects and 9 bytes; the lines hold 1 and 1"),
])
def test_malformed_manifests_are_located(tmp_path: Path, lines: list[str], where: int, message: str) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        manifests.read(path)
    assert any(str(p).startswith(f"{path}:{where}:1: ") and message in str(p) for p in caught.value.problems), \
        caught.value.problems


def test_a_missing_manifest_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the manifest"):
        manifests.read(tmp_path / "absent.jsonl")


def test_a_directory_given_as_a_file_is_bad_input_not_an_internal_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a regular file: it is a directory"):
        manifests.read_regular(tmp_path, "manifest")
