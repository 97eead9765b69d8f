"""Throughput of the verified object move (`hdhport migrate objects`) against a raw `rclone copy`.

One run, the same data, local directory to local directory (rclone's local backend): many small objects
(default 2,000 × 4 KiB) and a few large ones (default 4 × 64 MiB). Each variant runs `--repeat` times,
interleaved (raw, verified, raw, verified...) so a busy neighbour weighs on both sides of a ratio alike,
into a fresh destination; the best run of each counts. Figures are ratios of throughput (raw time /
verified time: 1.0 means the proof costs nothing). From the two datasets it fits a per-object and a
per-byte cost for each phase (manifest, copy, read-back) and projects the hours of a full move.

    python -m bench.objects                                  # about a minute on two cores
    python -m bench.objects --volume-tb 100 --bandwidth-gbps 10 --object-mib 8
    python -m bench.objects --baseline /tmp/before           # also time the hdhport package in /tmp/before/hdhport

The source files sit in the page cache (written just before): the figures compare the hashing and the
copying, not a disk. The projection assumes the manifest pass and the copy each cross the link (the move
runs beside the target) and the read-back reads the target at the measured rate.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "objects-results.json"
LINK_EFFICIENCY = 0.7  # as hdhport.migrate.runbook: the share of the nominal bandwidth a bulk copy sustains
PHASES = ("manifest", "copy", "verify")
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


def raw_copy(source: Path, dest: Path) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(["rclone", "copy", str(source), str(dest)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: rclone copy failed: {done.stderr[-2000:]}")
    return {"seconds": time.perf_counter() - started}


def verified_move(source: Path, dest: Path, manifest: Path, pythonpath: Path | None,
                  extra: Sequence[str]) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MAIN, "migrate", "objects", str(source), str(dest), "--manifest",
                           str(manifest), "--format", "json", *extra], capture_output=True, text=True,
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
    return {"seconds": seconds, "phases": phases, "objects": summary["objects"], "bytes": summary["bytes"]}


def measure(source: Path, work: Path, repeat: int, variants: dict[str, tuple[Path | None, list[str]] | None]
            ) -> dict[str, dict[str, Any]]:
    """Best of `repeat` runs per variant (None: raw rclone copy), interleaved."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    for attempt in range(repeat):
        for name, how in variants.items():
            dest, manifest = work / f"dest-{name}-{attempt}", work / f"{source.name}-{name}-{attempt}.manifest.jsonl"
            result = raw_copy(source, dest) if how is None else verified_move(source, dest, manifest, *how)
            runs[name].append(result)
            shutil.rmtree(dest, ignore_errors=True)
            _say(f"  {source.name:<6} {name:<9} run {attempt + 1}: {result['seconds']:.2f} s")
    return {name: min(found, key=lambda r: float(r["seconds"])) | {"runs": [round(r["seconds"], 3) for r in found]}
            for name, found in runs.items()}


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
    listings, final check: seconds, measured) is counted once, not scaled."""
    volume = volume_tb * 1e12
    objects = volume / (object_mib * 2**20)
    link_seconds = volume * 8 / (bandwidth_gbps * 1e9 * LINK_EFFICIENCY)

    def local(name: str) -> float:
        per_object, per_byte = costs[name]
        return per_object * objects + per_byte * volume

    raw = max(link_seconds, local("raw"))
    passes = {"manifest": max(link_seconds, local("manifest")), "copy": max(link_seconds, local("copy")),
              "verify": local("verify"), "other": fixed}
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
                               "datasets": {}}
    with tempfile.TemporaryDirectory(prefix="hdhport-bench-objects-") as temp:
        work = Path(temp)
        datasets = {"small": (args.small, args.small_kib * 1024), "large": (args.large, args.large_mib * 2**20)}
        fits: dict[str, dict[str, tuple[int, int, float]]] = {}
        for name, (count, size) in datasets.items():
            _say(f"bench: {name}: {count} objects of {size} bytes")
            source = make_data(work / name, count, size, "d")
            best = measure(source, work, args.repeat, variants)
            total = count * size
            row: dict[str, Any] = {"objects": count, "bytes": total}
            for variant, found in best.items():
                row[variant] = {"seconds": round(found["seconds"], 3), "runs": found["runs"],
                                "mib_per_s": round(total / 2**20 / found["seconds"], 1)}
                if "phases" in found:
                    row[variant]["phases"] = {k: round(v, 3) for k, v in found["phases"].items()}
                    row[variant]["ratio_to_raw"] = round(best["raw"]["seconds"] / found["seconds"], 3)
            results["datasets"][name] = row
            fits[name] = {"raw": (count, total, best["raw"]["seconds"])}
            fits[name] |= {phase: (count, total, best["verified"]["phases"][phase])
                           for phase in (*PHASES, "other")}
            shutil.rmtree(source)
    costs = {key: _fit(fits["small"][key], fits["large"][key]) for key in fits["small"]}
    results["costs"] = {key: {"per_object_ms": round(a * 1e3, 4), "per_mib_ms": round(b * 2**20 * 1e3, 3)}
                        for key, (a, b) in costs.items()}
    fixed = max(fits[name]["other"][2] for name in fits)
    results["projection"] = project({k: v for k, v in costs.items() if k != "other"}, args.volume_tb,
                                    args.bandwidth_gbps, args.object_mib, fixed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print_report(results)
    return 0


def print_report(results: dict[str, Any]) -> None:
    for name, row in results["datasets"].items():
        print(f"{name}: {row['objects']} objects, {row['bytes'] / 2**20:.1f} MiB")
        for variant in ("raw", "verified", "baseline"):
            if variant in row:
                found = row[variant]
                extra = (f"  ratio {found['ratio_to_raw']:.2f}×  ({', '.join(f'{k} {v:.2f}' for k, v in found['phases'].items())})"
                         if "phases" in found else "")
                print(f"  {variant:<9}{found['seconds']:7.2f} s {found['mib_per_s']:8.1f} MiB/s{extra}")
    p = results["projection"]
    print(f"projection: {p['volume_tb']:g} TB at {p['bandwidth_gbps']:g} Gbit/s, {p['object_mib']:g} MiB objects: "
          f"raw copy {p['raw_copy_hours']} h, verified move {p['verified_hours']} h "
          f"({p['passes_equivalent']} link passes; {p['verified_hours_by_phase']})")


if __name__ == "__main__":
    sys.exit(main())
