"""Throughput of the verified object move (`hdhport migrate objects`) against a raw `rclone copy`.

One run, the same data, through two pairs of stores: local directory to local directory (rclone's local
backend), and Azurite (as Azure Blob) to a Swift all-in-one through its S3 API, the servers the integration
tests start (tests/servers), on 127.0.0.1. Many small objects (default 2,000 × 4 KiB locally, 500 through
the servers, whose every request costs tens of milliseconds) and a few large ones (default 4 × 64 MiB). Each
variant runs `--repeat` times, interleaved (raw, verified, verified, raw, raw...) so a busy neighbour weighs
on both sides of a ratio alike, into a fresh destination, after an untimed `sync`; the best run of each
counts. Figures are ratios of throughput (raw time / verified time: 1.0 means the proof costs nothing),
checked against issue 18's targets (a third for small objects, half for large ones). From the two datasets
it fits a per-object and a per-byte cost for each phase and projects the hours of a full move, also simply
as the link's time divided by each measured ratio. Last, the peak memory of a move of 10,000 and of
1,000,000 objects, built and resumed (bench.child manifest), as a ratio measured in the same run.

    python -m bench.objects                                  # about twenty minutes on two cores
    python -m bench.objects --pairs local --volume-tb 100 --bandwidth-gbps 10 --object-mib 8
    python -m bench.objects --baseline /tmp/before           # also time the hdhport package in /tmp/before/hdhport

The local source files sit in the page cache (written just before): the figures compare the hashing and
the copying, not a disk.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hdhport.migrate.runbook import measured_seconds, move_size, verified_move_seconds

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "objects-results.json"
PHASES = ("manifest", "copy", "verify")
PAIRS = ("local", "azurite-swift-s3")
#: issue 18: the verified move at least at this share of a raw `rclone copy`'s throughput
TARGETS = {"small": round(1 / 3, 3), "large": 0.5}
#: issue 18: a 1,000,000-object move built and resumed within this multiple of a 10,000-object one's peak memory
MANIFEST_MEMORY_TARGET = 1.5
_MAIN = "import sys; from hdhport.cli import run; sys.exit(run())"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def make_data(root: Path, count: int, size: int, prefix: str) -> Path:
    """`count` objects of `size` random bytes, 100 to a folder."""
    for i in range(count):
        folder = root / f"{prefix}{i // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"object-{i:06d}.bin").write_bytes(os.urandom(size))
    return root


def _env(pythonpath: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(pythonpath or ROOT)
    return env


def _rclone(*args: str, config: Path | None) -> subprocess.CompletedProcess[str]:
    # As hdhport does (hdhport.migrate.rclone): rclone 1.60's s3 backend refuses to start with AWS_CA_BUNDLE set.
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
    return subprocess.run(["rclone", *args, *(["--config", str(config)] if config else [])], capture_output=True,
                          text=True, check=False, env=env)


def raw_copy(source: str, dest: str, config: Path | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    done = _rclone("copy", source, dest, config=config)
    if done.returncode != 0:
        raise SystemExit(f"bench: rclone copy failed: {done.stderr[-2000:]}")
    return {"seconds": time.perf_counter() - started}


def verified_move(source: str, dest: str, manifest: Path, pythonpath: Path | None, extra: Sequence[str],
                  config: Path | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MAIN, "migrate", "objects", source, dest, "--manifest",
                           str(manifest), "--format", "json", *extra,
                           *(["--rclone-config", str(config)] if config else [])], capture_output=True, text=True,
                          env=_env(pythonpath), cwd=manifest.parent, check=False)
    seconds = time.perf_counter() - started
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"bench: hdhport migrate objects failed ({done.returncode}): {done.stderr[-2000:]}") from None
    if done.returncode != 0 or not summary.get("ok"):
        raise SystemExit(f"bench: the verified move did not verify: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    phases = {k: float(summary["seconds"].get(k, 0.0)) for k in PHASES}
    phases["other"] = max(0.0, seconds - sum(phases.values()))  # start, listings, final check
    return {"seconds": seconds, "phases": phases, "objects": summary["objects"], "bytes": summary["bytes"],
            "reported": summary["seconds"]}  # every phase the move timed itself (listing, check...)


class Pair:
    """A source and a destination store: local directories, or Azurite and Swift's S3 API."""

    def __init__(self, name: str, work: Path, config: Path | None = None, source_root: str = "",
                 dest_root: str = "") -> None:
        self.name, self.work, self.config = name, work, config
        self.source_root, self.dest_root = source_root, dest_root

    def load(self, data: Path) -> str:
        """The dataset in `data` (a local folder) where this pair's source reads it."""
        if not self.source_root:
            return str(data)
        where = f"{self.source_root}{data.name}"
        done = _rclone("copy", str(data), where, "--transfers", "16", config=self.config)
        if done.returncode != 0:
            raise SystemExit(f"bench: loading {where} failed: {done.stderr[-2000:]}")
        return where

    def dest(self, run: str) -> str:
        return f"{self.dest_root}{run}" if self.dest_root else str(self.work / run)

    def clean(self, where: str) -> None:
        if remote := self.dest_root or self.source_root:
            if where.startswith(remote.split(":")[0] + ":"):
                _rclone("purge", where, config=self.config)
                return
        shutil.rmtree(where, ignore_errors=True)


def measure(pair: Pair, source: str, label: str, repeat: int,
            variants: dict[str, tuple[Path | None, list[str]] | None]) -> dict[str, dict[str, Any]]:
    """Best of `repeat` runs per variant (None: raw rclone copy), interleaved, each attempt in the reverse order
    of the one before (the first slot of a series ran faster on this machine: neither side always gets it), and
    each run started with nothing left to write back (os.sync, untimed): the writes of the data's generation and
    of the run before land on no run."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    for attempt in range(repeat):
        for name, how in (list(variants.items()) if attempt % 2 == 0 else list(variants.items())[::-1]):
            dest = pair.dest(f"dest-{label}-{name}-{attempt}")
            manifest = pair.work / f"{label}-{name}-{attempt}.manifest.jsonl"
            os.sync()
            result = (raw_copy(source, dest, pair.config) if how is None
                      else verified_move(source, dest, manifest, *how, config=pair.config))
            runs[name].append(result)
            pair.clean(dest)
            _say(f"  {pair.name} {label:<6} {name:<9} run {attempt + 1}: {result['seconds']:.2f} s")
    return {name: min(found, key=lambda r: float(r["seconds"])) | {"runs": [round(r["seconds"], 3) for r in found]}
            for name, found in runs.items()}


@contextlib.contextmanager
def azurite_and_swift(work: Path) -> Iterator[Pair]:
    """Azurite (source, as Azure Blob) and a Swift all-in-one reached through its S3 API (destination): the
    servers the integration tests start (tests/servers), on 127.0.0.1, stopped at the end."""
    sys.path.insert(0, str(ROOT / "tests"))
    azurite: Any = importlib.import_module("servers.azurite")
    swift: Any = importlib.import_module("servers.swift")
    executable = azurite.binary()
    if executable is None or not executable.exists():
        raise SystemExit("bench: Azurite is missing: run `make integration-deps`")
    if swift.missing_binaries():
        raise SystemExit(f"bench: Swift needs {', '.join(swift.missing_binaries())}: run `make system-deps`")
    (work / "azurite").mkdir()
    (work / "swift").mkdir()
    blob, store = azurite.Azurite(work / "azurite", executable), swift.Swift(work / "swift")
    started: list[Any] = []
    try:
        for server in (blob, store):
            started.append(server)
            server.start()
        config = work / "rclone.conf"
        config.write_text(blob.rclone_section("azure") + store.rclone_sections(), encoding="utf-8")
        config.chmod(0o600)
        yield Pair("azurite-swift-s3", work, config, source_root="azure:", dest_root="s3:")
    finally:
        for server in reversed(started):
            server.stop()


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.child", *args], cwd=ROOT, env=_env(None),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: `python -m bench.child {' '.join(args)}` failed:\n{done.stderr[-3000:]}")
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def manifest_memory(counts: Sequence[int], work: Path) -> dict[str, Any]:
    """Issue 18's "resumable at scale": the peak resident set of a move of each count of objects (bench.child
    manifest: every step of hdhport.migrate.objects.move, the objects held in memory by a stand-in for rclone),
    its first run crashing half-way and its --resume, each in a fresh process (its own peak, VmHWM: not
    ru_maxrss, which starts at this process's size when it forked); as ratios to the smallest count, measured
    in this one run. The target: 1,000,000 objects within 1.5x of 10,000."""
    runs: dict[str, dict[str, Any]] = {}
    for count in sorted(counts):
        folder = work / f"manifest-{count}"
        folder.mkdir()
        runs[str(count)] = {}
        for run in ("build", "resume"):
            _say(f"bench: manifest memory: {count} objects, {run}")
            found = _child("manifest", str(count), str(folder), run)
            if run == "resume" and not found["ok"]:
                raise SystemExit(f"bench: the resume of {count} objects did not verify: {found}")
            runs[str(count)][run] = {k: round(v, 3) if isinstance(v, float) else v for k, v in found.items()}
        shutil.rmtree(folder)
    smallest = runs[str(min(counts))]
    ratios = {count: {run: round(found[run]["peak_mib"] / smallest[run]["peak_mib"], 2) for run in found}
              for count, found in runs.items()}
    worst = max(ratios[str(max(counts))].values())
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "runs": runs,
            "peak_ratio_to_smallest": ratios, "target_ratio": MANIFEST_MEMORY_TARGET,
            "target_met": worst <= MANIFEST_MEMORY_TARGET}


def _fit(small: tuple[int, int, float], large: tuple[int, int, float]) -> tuple[float, float]:
    """Per-object and per-byte seconds (a, b) with t = a·objects + b·bytes through the two datasets."""
    (n1, b1, t1), (n2, b2, t2) = small, large
    det = n1 * b2 - n2 * b1
    per_object = (t1 * b2 - t2 * b1) / det
    per_byte = (n1 * t2 - n2 * t1) / det
    return max(0.0, per_object), max(0.0, per_byte)


def project(costs: dict[str, tuple[float, float]], volume_tb: float, bandwidth_gbps: float,
            object_mib: float, fixed: float = 0.0) -> dict[str, Any]:
    """Hours of the whole move: each pass takes the longer of the link's time (the passes that cross it)
    and the measured per-object and per-byte costs at that volume and mean object size; `fixed` (start,
    listings, final check: seconds, measured) is counted once, not scaled. The arithmetic is
    hdhport.migrate.runbook's, which `hdhport migrate plan --measured` uses on these results."""
    volume, objects, link_seconds = move_size(volume_tb, bandwidth_gbps, object_mib)
    raw = max(link_seconds, measured_seconds(costs["raw"], objects, volume))
    passes = verified_move_seconds(costs, volume_tb, bandwidth_gbps, object_mib, fixed)
    verified = sum(passes.values())
    return {"volume_tb": volume_tb, "bandwidth_gbps": bandwidth_gbps, "object_mib": object_mib,
            "objects": round(objects), "link_hours_per_pass": round(link_seconds / 3600, 2),
            "raw_copy_hours": round(raw / 3600, 2), "verified_hours": round(verified / 3600, 2),
            "verified_hours_by_phase": {k: round(v / 3600, 2) for k, v in passes.items()},
            "passes_equivalent": round(verified / link_seconds, 2)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.objects", description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=2000, help="small objects (default 2000)")
    parser.add_argument("--small-kib", type=int, default=4, help="size of each small object (default 4 KiB)")
    parser.add_argument("--large", type=int, default=4, help="large objects (default 4)")
    parser.add_argument("--large-mib", type=int, default=64, help="size of each large object (default 64 MiB)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant, the best counts (default 3)")
    parser.add_argument("--jobs", type=int, default=8, help="hdhport's --jobs (default 8)")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also time the hdhport package found in DIR/hdhport (e.g. a copy taken before a change)")
    parser.add_argument("--volume-tb", type=float, default=100.0, help="projected volume (default 100 TB)")
    parser.add_argument("--bandwidth-gbps", type=float, default=10.0, help="projected link (default 10 Gbit/s)")
    parser.add_argument("--object-mib", type=float, default=4.0, help="projected mean object size (default 4 MiB)")
    parser.add_argument("--remote-small", type=int, default=500,
                        help="small objects through Azurite and Swift, whose every request costs tens of "
                             "milliseconds (default 500)")
    parser.add_argument("--pairs", nargs="*", choices=PAIRS, default=list(PAIRS),
                        help="source and destination stores (default: both; none for the manifest memory alone)")
    parser.add_argument("--manifest-objects", type=int, nargs="*", default=[10_000, 1_000_000], metavar="N",
                        help="object counts whose move is built and resumed in memory, for its peak memory "
                             "(default 10000 1000000; none to skip)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"results as JSON (default {RESULTS})")
    args = parser.parse_args(argv)
    if shutil.which("rclone") is None:
        raise SystemExit("bench: rclone is missing (Debian package rclone)")
    variants: dict[str, tuple[Path | None, list[str]] | None] = {"raw": None, "verified": (None, ["--jobs",
                                                                                                 str(args.jobs)])}
    if args.baseline:
        variants["baseline"] = (args.baseline.resolve(), ["--parallel", str(args.jobs)])
    results: dict[str, Any] = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                           "rclone": subprocess.run(["rclone", "version"], capture_output=True,
                                                                    text=True).stdout.split("\n")[0]},
                               "targets": TARGETS, "pairs": {}}
    datasets = {"small": (args.small, args.small_kib * 1024), "large": (args.large, args.large_mib * 2**20)}
    with tempfile.TemporaryDirectory(prefix="hdhport-bench-objects-") as temp:
        work = Path(temp)
        data = {name: make_data(work / "data" / name, count, size, "d") for name, (count, size) in datasets.items()}
        for pair_name in args.pairs:
            with contextlib.ExitStack() as stack:
                folder = work / pair_name
                folder.mkdir()
                pair = (Pair("local", folder) if pair_name == "local"
                        else stack.enter_context(azurite_and_swift(folder)))
                sizes, chosen = datasets, data
                if pair_name != "local" and args.remote_small != args.small:
                    sizes = datasets | {"small": (args.remote_small, datasets["small"][1])}
                    chosen = data | {"small": make_data(work / "data" / "fewer", args.remote_small,
                                                        datasets["small"][1], "d")}
                results["pairs"][pair_name] = run_pair(pair, chosen, sizes, args, variants)
        if len(args.manifest_objects) >= 2:
            results["manifest_memory"] = manifest_memory(args.manifest_objects, work)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print_report(results)
    return 0


def run_pair(pair: Pair, data: dict[str, Path], datasets: dict[str, tuple[int, int]], args: argparse.Namespace,
             variants: dict[str, tuple[Path | None, list[str]] | None]) -> dict[str, Any]:
    """Both datasets through one pair: best runs, ratios, fitted costs and the projection of the full move."""
    out: dict[str, Any] = {"datasets": {}}
    fits: dict[str, dict[str, tuple[int, int, float]]] = {}
    for name, (count, size) in datasets.items():
        _say(f"bench: {pair.name}: {name}: {count} objects of {size} bytes")
        source = pair.load(data[name])
        best = measure(pair, source, name, args.repeat, variants)
        total = count * size
        row: dict[str, Any] = {"objects": count, "bytes": total}
        for variant, found in best.items():
            row[variant] = {"seconds": round(found["seconds"], 3), "runs": found["runs"],
                            "mib_per_s": round(total / 2**20 / found["seconds"], 1)}
            if "phases" in found:
                row[variant]["phases"] = {k: round(v, 3) for k, v in found["phases"].items()}
                row[variant]["reported"] = found["reported"]
                row[variant]["ratio_to_raw"] = round(best["raw"]["seconds"] / found["seconds"], 3)
        row["target_ratio"] = TARGETS[name]
        row["target_met"] = row["verified"]["ratio_to_raw"] >= TARGETS[name]
        out["datasets"][name] = row
        fits[name] = {"raw": (count, total, best["raw"]["seconds"])}
        fits[name] |= {phase: (count, total, best["verified"]["phases"][phase]) for phase in (*PHASES, "other")}
    costs = {key: _fit(fits["small"][key], fits["large"][key]) for key in fits["small"]}
    out["costs"] = {key: {"per_object_ms": round(a * 1e3, 4), "per_mib_ms": round(b * 2**20 * 1e3, 3)}
                    for key, (a, b) in costs.items()}
    fixed = max(fits[name]["other"][2] for name in fits)
    projection = project({k: v for k, v in costs.items() if k != "other"}, args.volume_tb, args.bandwidth_gbps,
                         args.object_mib, fixed)
    # The simplest reading: a raw copy that fills the link, and the verified move at the measured ratio of it.
    projection["verified_hours_at_measured_ratio"] = {
        name: round(projection["link_hours_per_pass"] / row["verified"]["ratio_to_raw"], 2)
        for name, row in out["datasets"].items()}
    out["projection"] = projection
    return out


def print_report(results: dict[str, Any]) -> None:
    for pair, found_pair in results["pairs"].items():
        for name, row in found_pair["datasets"].items():
            print(f"{pair} {name}: {row['objects']} objects, {row['bytes'] / 2**20:.1f} MiB "
                  f"(target: at least {row['target_ratio']:.2f}× raw: {'met' if row['target_met'] else 'NOT met'})")
            for variant in ("raw", "verified", "baseline"):
                if variant in row:
                    found = row[variant]
                    extra = (f"  ratio {found['ratio_to_raw']:.2f}×  "
                             f"({', '.join(f'{k} {v:.2f}' for k, v in found['phases'].items())})"
                             if "phases" in found else "")
                    print(f"  {variant:<9}{found['seconds']:7.2f} s {found['mib_per_s']:8.1f} MiB/s{extra}")
        p = found_pair["projection"]
        print(f"{pair} projection: {p['volume_tb']:g} TB at {p['bandwidth_gbps']:g} Gbit/s, {p['object_mib']:g} MiB "
              f"objects: raw copy {p['raw_copy_hours']} h, verified move {p['verified_hours']} h "
              f"({p['passes_equivalent']} link passes; {p['verified_hours_by_phase']}); at the measured ratios "
              f"{p['verified_hours_at_measured_ratio']} h")
    memory = results.get("manifest_memory")
    if memory:
        for count, found in memory["runs"].items():
            ratio = memory["peak_ratio_to_smallest"][count]
            build, resume = found["build"], found["resume"]
            print(f"manifest memory, {int(count):,} objects: build {build['peak_mib']:.0f} MiB "
                  f"({build['seconds']:.1f} s, {ratio['build']}x), resume {resume['peak_mib']:.0f} MiB "
                  f"({resume['seconds']:.1f} s, {ratio['resume']}x)")
        print(f"manifest memory target: at most {memory['target_ratio']}x: "
              f"{'met' if memory['target_met'] else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
