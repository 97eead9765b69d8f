"""One measurement in a fresh process, printed as one JSON line on stdout.

    python -m bench.child plan STACK ENCLAVES [--dump FILE]     the toolkit's offline plan
    python -m bench.child floor FILE sdk|generic [--verify]      the floor for a dumped plan
    python -m bench.child manifest COUNT DIR build|resume        a verified object move of COUNT objects,
        [--batch N] [--cache-kib N]                              in memory (its manifest and state in DIR)

The clock starts before the first heavy import, so imports (hdhport, pulumi, the SDK submodules) count
on both sides; it stops when the last registration is done, before anything is written. Peak memory
is the process's ru_maxrss: the resident set the kernel saw at its highest, C allocations, imported
modules and interpreter included, which is what "needs 2 GiB" means to whoever runs the plan.
tracemalloc would see only Python allocations and would slow the run it measures several times over.
"""
from __future__ import annotations

import time

STARTED, STARTED_CPU = time.perf_counter(), time.process_time()

import argparse  # noqa: E402 - after the clock starts, on purpose
import hashlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from dataclasses import asdict  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402


def _measured(**extra: Any) -> dict[str, Any]:
    """Wall time since the clock started, CPU time of the whole process, and its peak resident set."""
    return {"seconds": time.perf_counter() - STARTED, "cpu_seconds": time.process_time() - STARTED_CPU,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}  # Linux: KiB


def plan(stack: str, enclaves: int, dump: str | None) -> dict[str, Any]:
    from hdhport import planner

    config = planner.stack_config(stack)
    config["hdh:enclaves"] = enclaves
    result = planner.run(stack, config)
    measured = _measured(resources=sum(1 for r in result.resources if r.custom), registrations=len(result.resources))
    if dump:
        with open(dump, "w", encoding="utf-8") as out:
            json.dump({"stack": stack, "config": config, "stack_outputs": result.stack_outputs,
                       "resources": [asdict(r) for r in result.resources]}, out)
    return measured


def floor(recording_file: str, mode: str, verify: bool, tuned: bool) -> dict[str, Any]:
    global STARTED, STARTED_CPU
    with open(recording_file, encoding="utf-8") as source:
        recording = json.load(source)
    # The recording and the mock engine's answers and settings (hdhport.planner) are the floor's input,
    # not its work: the clock starts after them.
    import hdhport.planner  # noqa: F401

    STARTED, STARTED_CPU = time.perf_counter(), time.process_time()
    from bench.floor import program

    stack, config = recording["stack"], recording["config"]
    if verify:
        return _verify(recording, program(recording, mode))
    count = _run_on_mocks(program(recording, mode), stack, config, tuned)
    return _measured(registrations=count)


def _run_on_mocks(program: Any, stack: str, config: dict[str, Any], tuned: bool) -> int:
    """The planner's mock engine and settings with nothing recorded: every registration only counted."""
    from pulumi.runtime import mocks

    from hdhport.planner import answering_engine, run_on_mocks

    registered = [0]

    class Counting(mocks.MockMonitor):
        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            if request.type != "pulumi:pulumi:Stack":
                registered[0] += 1
            return super().RegisterResource(request)  # type: ignore[no-untyped-call]

    engine = answering_engine()
    run_on_mocks(program, stack, config, engine, Counting(engine), tuned=tuned)
    return registered[0]


def _verify(recording: dict[str, Any], program: Any) -> dict[str, Any]:
    """Record the floor with the planner's own recorder and compare it with the plan, resource by resource."""
    from hdhport import planner

    replayed = planner.record(program, recording["stack"], recording["config"])
    fields = ("type", "name", "parent", "custom", "protect", "retain_on_delete", "inputs", "outputs")
    expected = {r["urn"]: r for r in recording["resources"]}
    got = {r.urn: asdict(r) for r in replayed.resources}
    differences = [f"{urn}: only in the plan" for urn in expected.keys() - got.keys()]
    differences += [f"{urn}: only in the floor" for urn in got.keys() - expected.keys()]
    for urn in expected.keys() & got.keys():
        differences += [f"{urn}: {name} differs" for name in fields if expected[urn][name] != got[urn][name]]
        if sorted(expected[urn]["dependencies"]) != sorted(got[urn]["dependencies"]):
            differences.append(f"{urn}: dependencies differ")
    if replayed.stack_outputs != recording["stack_outputs"]:
        differences.append("stack outputs differ")
    return {"identical": not differences, "registrations": len(got), "differences": differences[:20],
            "difference_count": len(differences)}


def manifest(count: int, folder: str, run: str, batch: int | None = None, cache_kib: int | None = None) -> dict[str, Any]:
    """`hdhport migrate objects` (hdhport.migrate.objects.move) of `count` objects generated here, through an
    rclone that holds them in memory: every step of the move runs (listing, hashing, manifest, state, copy,
    read-back, final check) and nothing waits on a disk or a network, so the peak resident set is what the move
    itself holds per object. "build": a first run, whose copy fails once half the objects arrived (a crash);
    "resume": the --resume of that run (the manifest and state the build left in `folder`)."""
    from pathlib import Path

    from hdhport.migrate import ledger, objects

    if batch is not None:  # the bounded part of the ledger's memory, smaller: what stays is per object
        ledger.BATCH = batch
        setattr(objects, "BATCH", batch)  # noqa: B010 - objects took its own name for it
    if cache_kib is not None:
        ledger.CACHE_KIB = cache_kib
    from hdhport.migrate.rclone import Rclone, RcloneError, Walk

    def name(i: int) -> str:
        return f"d{i // 1000:04d}/object-{i:07d}.bin"

    def index(path: str) -> int:
        return int(path[-11:-4])

    def digest(path: str) -> str:
        return hashlib.sha256(path.encode()).hexdigest()

    class Listed(Walk):
        """A listing streamed as rclone lsjson's is, one object at a time."""

        def __init__(self, path: str, store: InMemory) -> None:
            super().__init__(path, None)
            self.store = store

        def __iter__(self) -> Iterator[tuple[str, int]]:
            return ((name(i), 4096) for i in range(count) if self.store._holds(self.path, i))

    class InMemory(Rclone):
        """The source holds every object (4 KiB each), the destination what was copied: a flag per object,
        so that the stand-in's own memory stays out of what is measured (rclone runs in a process of its own)."""

        def __init__(self) -> None:
            super().__init__()
            self.delivered = bytearray(count)
            if run == "resume":  # what the crashed build delivered
                self.delivered[:count // 2] = b"\x01" * (count // 2)

        def settings(self, remote: str) -> dict[str, str]:
            return {"type": "memory"}

        def check_path(self, path: str, what: str) -> None:
            pass

        def stores_md5(self, path: str) -> bool:
            return False

        def _holds(self, path: str, i: int) -> bool:
            return path == "mem:src" or bool(self.delivered[i])

        def walk(self, path: str, *, local: bool = True) -> Walk:
            return Listed(path, self)

        def hashsum(self, path: str, paths: Any, log: Path, jobs: int, *, progress: Any = None) -> dict[str, str]:
            return {p: digest(p) for p in paths if self._holds(path, index(p))}

        def copy(self, source: str, dest: str, paths: Any, log: Path, transfers: int, max_failures: int = 10, *,
                 on_copied: Any = None, skip_checksum: bool = False) -> None:
            for done, path in enumerate(paths):
                if run == "build" and done >= count // 2:
                    raise RcloneError("the destination went down (simulated)")
                self.delivered[index(path)] = 1
                if on_copied is not None:
                    on_copied(path)

    global STARTED, STARTED_CPU
    STARTED, STARTED_CPU = time.perf_counter(), time.process_time()
    summary = objects.move("mem:src", "mem:dst", Path(folder) / "m.jsonl", rclone=InMemory(), resume=run == "resume",
                           parallel=8)
    measured = _measured(objects=count, run=run, verified=summary.verified, copied=summary.copied,
                         already_there=summary.already_there, ok=summary.ok)
    # ru_maxrss survives execve on Linux: it starts at the parent's resident set when it forked (bench.objects',
    # some 79 MiB), a floor that would hide this process's own peak and flatten the ratios. VmHWM is the peak of
    # this process's own address space, made at exec.
    own = _own_peak_mib()
    if own is not None:
        measured |= {"peak_mib": own, "ru_maxrss_mib": measured["peak_mib"]}
    return measured


def _own_peak_mib() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("plan")
    p.add_argument("stack")
    p.add_argument("enclaves", type=int)
    p.add_argument("--dump")
    f = sub.add_parser("floor")
    f.add_argument("recording")
    f.add_argument("mode", choices=("sdk", "generic"))
    f.add_argument("--verify", action="store_true")
    f.add_argument("--stock", action="store_true",
                   help="the SDK's defaults (aliases, collector) instead of the planner's engine settings")
    m = sub.add_parser("manifest")
    m.add_argument("count", type=int)
    m.add_argument("folder")
    m.add_argument("run", choices=("build", "resume"))
    m.add_argument("--batch", type=int, help="objects handed at once to a hasher or rclone (default: the ledger's)")
    m.add_argument("--cache-kib", type=int, help="SQLite's page cache (default: the ledger's)")
    args = parser.parse_args(argv)
    if args.what == "plan":
        measured = plan(args.stack, args.enclaves, args.dump)
    elif args.what == "manifest":
        measured = manifest(args.count, args.folder, args.run, args.batch, args.cache_kib)
    else:
        measured = floor(args.recording, args.mode, args.verify, not args.stock)
    sys.stdout.write(json.dumps(measured) + "\n")


if __name__ == "__main__":
    main()
