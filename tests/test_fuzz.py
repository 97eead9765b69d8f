"""Property-based fuzzing of every command that reads a file, through `hdhport.cli:run` as a user runs it.

Whatever bytes are given, a command exits 0, 1 (a check that failed) or 2 (bad input), and every error line is one
located, escaped line: no traceback, no internal error, no control character (issue 17; review 2026-12-02).

CI runs a short sample (HDHPORT_FUZZ_EXAMPLES, default 60 per test). The long run, about 8 minutes on 2 cores:

    HDHPORT_FUZZ_EXAMPLES=600 .venv/bin/python -m pytest tests/test_fuzz.py -p no:cacheprovider -q

(measured 2026-12-02 with the migrate commands included: 1,200 runs in 459 s on 2 cores shared with another test
run, passed; hypothesis prints the smallest failing input when one fails).
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, own_project
from hdhport import paths
from hdhport.cli import run
from hdhport.migrate import manifest as manifests

EXAMPLES = int(os.environ.get("HDHPORT_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="HDHPORT_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

CATALOGUE_TEXT = (DATA / "mini_catalog.yaml").read_text(encoding="utf-8")
PROFILE_TEXT = (DATA / "mini_profile.yaml").read_text(encoding="utf-8")
SHIPPED_PROFILE = (paths.PROFILES_DIR / "scaleway.yaml").read_text(encoding="utf-8")
WEIGHTS_TEXT = "criteria:\n  coverage: 40\n  sovereignty: 35\nrequirements:\n  must: 3\n"
#: A small `hdhport plan` output and an object manifest, for the migrate commands that read them.
PLAN_TEXT = json.dumps({"version": 1, "stack": "scaleway", "profile": "scaleway", "config": {},
                        "summary": {"resources": 1, "enclaves": ["a", "b"]}, "warnings": [],
                        "services": [{"id": "object_storage", "resolution": "native", "product": "Scaleway Object"
                                      " Storage", "reason": "native"}],
                        "resources": [{"urn": "u", "type": "hdh:storage:ObjectStorage", "name": "o"}]}, indent=1)
MANIFEST_TEXT = manifests.render([manifests.Entry("a.csv", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
                                                                 "f20015ad")]).decode("utf-8")
STACK_TEXT = ("config:\n  hdh:profile: nowhere\n  hdh:region: gra\n  hdh:enclaves: 3\n"
              "  hdh:adminSshPublicKey: ssh-ed25519 AAAA x\n  hdh:allowGaps: yes\n")
LOCATED = re.compile(r"^[^\n:]+:\d+:\d+: .+$")
USAGE = re.compile(r"^hdhport(?: [a-z-]+)*: error: .+$")  # argparse's one line (a bad flag value)
UNESCAPED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
YAML_PIECES = st.sampled_from([
    "\n", " ", "  ", "\t", ":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object ",
    "!x ", "'", '"', "#", "---\n", "...\n", "? ", "|", ">", "%YAML 1.1\n", "yes", "no", "2025-13-45",
    "services", "id", "vocabulary", "offers", "\x00", "\ufeff", "é", "1e400", "~", "null", "\x1b[2K\r",
    "\"a\\nb\": 1\n", "010", "1:30", "=HYPERLINK(\"x\")", "<script>", "\u202e", "criteria", "config",
    "hdh:enclaves", "secure", "1e-300", "-1", "nan", ".inf",
    '"summary": []', '[[[[', "{}", '"profile": 1', '"sha256": "', '"size": -1', '"format": ', "\\u0000",
])


def _mutations(*bases: str) -> st.SearchStrategy[bytes]:
    def mutate(base: str, cuts: list[tuple[int, str]]) -> bytes:
        text = base
        for position, piece in cuts:
            at = position % (len(text) + 1)
            text = text[:at] + piece + text[at + len(piece) // 2:]
        return text.encode("utf-8", "surrogatepass")

    cuts = st.lists(st.tuples(st.integers(min_value=0, max_value=20_000), YAML_PIECES), min_size=1, max_size=6)
    return st.builds(mutate, st.sampled_from(list(bases)), cuts)


def _any_bytes(*bases: str) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=400),
                     st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
                     _mutations(*bases))


def _cli(argv: list[str], capsys: Any) -> tuple[int, str, str]:
    """`hdhport ARGV` as the console script runs it: hdhport.cli:run, its exit code, what it printed."""
    saved = sys.argv
    sys.argv = ["hdhport", *argv]
    try:
        run()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2 if exit_.code else 0
    else:  # pragma: no cover - run() always exits
        code = -1
    finally:
        sys.argv = saved
        import gc

        gc.unfreeze()  # run() freezes the heap for the interpreter's exit, which does not come here
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_contract(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "internal error" not in err and "Traceback" not in err, err
    assert not UNESCAPED.search(err), repr(err)
    if code == 2:
        assert err and err.endswith("\n"), (out, err)
        for line in err.splitlines():
            assert LOCATED.match(line) or USAGE.match(line), repr(line)


@FUZZ
@given(data=_any_bytes(CATALOGUE_TEXT, PROFILE_TEXT), kind=st.sampled_from(["catalogue", "profile"]))
def test_validate_only_ever_exits_0_or_2_with_located_messages(data: bytes, kind: str, tmp_path: Path,
                                                                capsys: Any) -> None:
    no_profiles = tmp_path / "no-profiles"
    no_profiles.mkdir(exist_ok=True)
    target = tmp_path / f"{kind}.yaml"
    target.write_bytes(data)
    if kind == "profile":
        argv = ["--catalog", str(DATA / "mini_catalog.yaml"), "validate", str(target)]
    else:
        argv = ["--catalog", str(target), "--profiles-dir", str(no_profiles), "validate"]
    code, out, err = _cli(argv, capsys)
    _assert_contract(code, out, err)
    assert code in (0, 2)
    if code == 0:
        assert err == ""


#: Every command that reads a file the user names, with {file} where the fuzzed file goes.
READERS = [
    ["validate", "{file}"],
    ["profile", "list", "{file}"],
    ["--catalog", "{file}", "catalog", "list"],
    ["--catalog", "{file}", "catalog", "show", "object_storage"],
    ["--catalog", "{file}", "schema", "profile"],
    ["--catalog", "{file}", "bid", "template"],
    ["diff", "{file}", "--format", "md"],
    ["diff", "scaleway", "--weights", "{file}", "--format", "csv"],
    ["diff", "{file}", "scaleway", "--format", "html", "--out", "{out}/d.html"],
    ["diff", "{file}", "--format", "xlsx", "--out", "{out}/d.xlsx"],
    ["plan", "--stack", "ev-fuzz", "--out", "{out}/plan"],
    # migrate: the commands that read a file and start no server (`verify` hashes a local, empty directory)
    ["migrate", "plan", "--from", "azure-francecentral", "--to", "scaleway", "--plan-dir", "{out}/plans"],
    ["migrate", "plan", "--from", "{file}", "--to", "scaleway", "--format", "json", "--out", "{out}/r.json"],
    ["migrate", "verify", "{out}/dest", "--manifest", "{out}/m.jsonl"],
]


@FUZZ
@given(data=_any_bytes(SHIPPED_PROFILE, WEIGHTS_TEXT, STACK_TEXT, CATALOGUE_TEXT, PLAN_TEXT, MANIFEST_TEXT),
       argv=st.sampled_from(READERS))
def test_every_command_that_reads_a_file_keeps_its_contract(data: bytes, argv: list[str], tmp_path: Path,
                                                           capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit 0, 1 or 2; every error line one located, escaped line (a stack file is read from its project)."""
    target = tmp_path / "input.yaml"
    target.write_bytes(data)
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "Pulumi.ev-fuzz.yaml").write_bytes(data)
    out = tmp_path / "out"
    (out / "plans" / "scaleway").mkdir(parents=True, exist_ok=True)
    (out / "plans" / "scaleway" / "plan.json").write_bytes(data)
    (out / "m.jsonl").write_bytes(data)
    (out / "dest").mkdir(exist_ok=True)
    with monkeypatch.context() as patched:
        own_project(patched, project)
        code, printed, err = _cli([a.format(file=target, out=out) for a in argv], capsys)
    _assert_contract(code, printed, err)
