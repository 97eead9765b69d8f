"""`hdhport migrate plan`: the ordered runbook that moves the platform's data from one profile to another.

For every service a migration carries (each data-bearing catalogue service, plus key material, images,
identities, trails and queues: `methods.CARRIED`), both sides are resolved the way the platform would
be built there (an `hdhport plan` output when given, else hdhport.resolve, else the bidder's stated
offer for a cloud hdhport does not deploy), each product is mapped to a kind, and the method tables
say how that pair moves, or that it cannot: a reversibility gap.

Pure: reads the catalogue, two profiles and optional plan files, and runs nothing.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hdhport.errors import InputError, Problem
from hdhport.migrate import manifest as manifests
from hdhport.migrate import methods
from hdhport.migrate.methods import Method
from hdhport.migrate.remotes import OBJECT_STORE_KINDS, NoRemote, Remote, remotes
from hdhport.model import Catalogue, KeyCustody, Profile, Service
from hdhport.registry import API_FAMILIES
from hdhport.resolve import resolve_service

FORMAT = "hdhport-migration-runbook/1"
Status = Literal["method", "gap", "unknown", "nothing-to-move"]

# The order of the move. Keys first: the target encrypts what it receives under its own keys, so they
# must exist before any data lands. Identities and images next: the target's machines boot from the
# images and its services authorise through the directory. Then the bulk data and the backups, then the
# workloads rebuilt around their moved state, and last what only stops at the switch itself: messages
# still in flight, logs and audit trails up to the last minute at the source.
PHASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("keys", "Keys and secrets", ("key_management", "secrets_store")),
    ("identities", "Identities", ("directory",)),
    ("images", "Images", ("vm_image_catalogue", "container_registry")),
    ("data", "Bulk data", ("object_storage", "data_lake", "archive_storage", "file_share", "block_disk",
                           "relational_database", "secure_file_transfer")),
    ("backups", "Backups", ("backup_vault",)),
    ("workloads", "Workloads and their state", ("cpu_vm", "gpu_vm", "batch_compute", "kubernetes", "spark_engine",
                                                "etl_orchestration", "ml_workspace", "notebook_server",
                                                "virtual_desktop")),
    ("cutover", "At cut-over: messages in flight, logs and audit trails", ("message_queue", "log_analytics",
                                                                          "audit_log")),
)

# How `--volume-tb` splits across services (fractions of the total; they add up to 1). An assumption to
# replace with the real inventory: the Health Data Hub's bulk is the pseudonymised extractions delivered
# to projects (object storage) and the data lake they come from, then their archives and backups;
# databases, shares and disks hold far less. Services absent here are counted as carrying no bulk.
VOLUME_SHARES: dict[str, float] = {
    "object_storage": 0.30, "data_lake": 0.30, "archive_storage": 0.10, "backup_vault": 0.10,
    "file_share": 0.07, "block_disk": 0.05, "relational_database": 0.02, "secure_file_transfer": 0.01,
    "notebook_server": 0.01, "ml_workspace": 0.01, "spark_engine": 0.01, "virtual_desktop": 0.01,
    "log_analytics": 0.005, "audit_log": 0.005,
}
DEFAULT_VOLUME_TB = 100.0
DEFAULT_BANDWIDTH_GBPS = 10.0
# Share of the nominal link rate a long bulk transfer sustains (TCP and TLS overhead, per-object
# requests, other traffic on the link): an assumption, stated with the formula.
LINK_EFFICIENCY = 0.7
FORMULA = ("hours = passes × volume_TB × 8000 / (bandwidth_Gbit/s × 0.7 × 3600), where passes is the number of "
           "times the method sends the data over the link between the clouds (hdhport migrate objects, run beside "
           "the target, reads each object twice from the source: once for the manifest, once for the copy; its "
           "verification reads the target locally)")


def transfer_hours(passes: int, volume_tb: float, bandwidth_gbps: float) -> float:
    """Time for `passes` crossings of `volume_tb` terabytes (10^12 bytes) over a link of `bandwidth_gbps`."""
    return passes * volume_tb * 8000 / (bandwidth_gbps * LINK_EFFICIENCY * 3600)


# ---------------------------------------------------------------------------------------------- measured costs

#: The methods whose move is `hdhport migrate objects` between object stores: the move `make bench-objects`
#: (bench/objects.py) measures, so `--measured` can time them from its fitted costs.
MEASURED_METHODS = ("rclone-objects", "trail-archive")
#: The phases of the verified move a bench objects result gives a per-object and a per-MiB cost for.
MEASURED_PHASES = ("manifest", "copy", "verify")
DEFAULT_OBJECT_MIB = 4.0
MEASURED_FORMULA = ("hours = max(link pass, manifest) + max(link pass, copy) + verify + fixed, where a link pass is "
                    "volume_TB × 8000 / (bandwidth_Gbit/s × 0.7 × 3600) (the manifest and the copy each read the "
                    "source across the link), each phase is objects × its per-object cost + MiB × its per-MiB cost "
                    "(objects = volume / mean object size), and fixed (start, listings, final check) is the longest "
                    "measured, counted once: bench/objects.py's projection")


def move_size(volume_tb: float, bandwidth_gbps: float, object_mib: float) -> tuple[float, float, float]:
    """Bytes, objects and seconds of one pass over the link of a move of `volume_tb` in `object_mib` objects."""
    volume = volume_tb * 1e12
    return volume, volume / (object_mib * 2**20), volume * 8 / (bandwidth_gbps * 1e9 * LINK_EFFICIENCY)


def measured_seconds(cost: tuple[float, float], objects: float, volume: float) -> float:
    """Seconds of a phase costing (seconds per object, seconds per byte) over `objects` objects of `volume` bytes."""
    per_object, per_byte = cost
    return per_object * objects + per_byte * volume


def verified_move_seconds(costs: Mapping[str, tuple[float, float]], volume_tb: float, bandwidth_gbps: float,
                          object_mib: float, fixed: float = 0.0) -> dict[str, float]:
    """Seconds of each phase of the verified object move: the manifest and the copy each take the longer of a
    pass over the link and their measured costs, the verification (beside the target) its measured cost, and
    `fixed` (start, listings, final check: measured seconds) is counted once, not scaled."""
    volume, objects, link = move_size(volume_tb, bandwidth_gbps, object_mib)
    return {"manifest": max(link, measured_seconds(costs["manifest"], objects, volume)),
            "copy": max(link, measured_seconds(costs["copy"], objects, volume)),
            "verify": measured_seconds(costs["verify"], objects, volume), "other": fixed}


@dataclass(frozen=True)
class Measured:
    """The fitted costs of one pair of stores in a bench objects result (`make bench-objects`)."""

    file: str
    pair: str
    date: str
    machine: str
    object_mib: float
    costs: Mapping[str, tuple[float, float]]  # phase -> (seconds per object, seconds per byte)
    fixed: float  # seconds

    @property
    def basis(self) -> str:
        return f"measured ({self.file}, {self.pair}, {self.date})"

    def hours(self, volume_tb: float, bandwidth_gbps: float) -> float:
        return sum(verified_move_seconds(self.costs, volume_tb, bandwidth_gbps, self.object_mib,
                                         self.fixed).values()) / 3600

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "pair": self.pair, "date": self.date, "machine": self.machine,
                "object_mib": self.object_mib, "methods": list(MEASURED_METHODS), "formula": MEASURED_FORMULA,
                "fixed_seconds": self.fixed,
                "costs": {phase: {"per_object_ms": round(a * 1e3, 9), "per_mib_ms": round(b * 2**20 * 1e3, 9)}
                          for phase, (a, b) in self.costs.items()}}


def load_measured(file: Path, pair: str | None = None, object_mib: float = DEFAULT_OBJECT_MIB) -> Measured:
    """The costs of `pair` (default: the file's first pair other than `local`, else `local`) in a bench objects
    result. Anything missing or malformed is one line naming the file and the field, exit 2."""
    def bad(where: str, message: str, line: int = 1, column: int = 1) -> InputError:
        return InputError([Problem(str(file), line, column, where, f"not a bench objects result: {message}")])

    if not (math.isfinite(object_mib) and 1e-6 <= object_mib <= 1e6):
        raise InputError([Problem.argument("--object-mib", f"expected a mean object size from 1e-06 to 1e+06 MiB, "
                                                            f"got {object_mib:g}")])
    if file.is_dir():  # manifests.read_regular's fdopen would fail on it with no located line
        raise InputError([Problem(str(file), 1, 1, "", "cannot read the bench objects result: it is a directory")])
    document = _json_document(manifests.read_regular(file, "bench objects result"), bad)

    def get(value: Any, key: str, where: str) -> Any:
        if not isinstance(value, dict):
            raise bad(where, f"expected an object, got {_json_kind(value)}")
        if key not in value:
            raise bad(f"{where}.{key}" if where else key, "missing")
        return value[key]

    def number(value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad(where, f"expected a number, got {_json_kind(value)}")
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an integer too large for a float
            finite = False
        if not finite or value < 0:
            raise bad(where, f"expected a finite number at least 0, got {str(value)[:20]}")
        return float(value)

    pairs = get(document, "pairs", "")
    if not isinstance(pairs, dict):
        raise bad("pairs", f"expected an object, got {_json_kind(pairs)}")
    if pair is None:
        pair = next((name for name in pairs if name != "local"), "local")
    if pair not in pairs:
        raise bad("pairs", f"no pair '{pair}' (found: {', '.join(map(str, pairs)) or 'none'})")
    where = f"pairs.{pair}"
    found = pairs[pair]
    costs: dict[str, tuple[float, float]] = {}
    for phase in MEASURED_PHASES:
        cost = get(get(found, "costs", where), phase, f"{where}.costs")
        here = f"{where}.costs.{phase}"
        costs[phase] = (number(get(cost, "per_object_ms", here), f"{here}.per_object_ms") / 1e3,
                        number(get(cost, "per_mib_ms", here), f"{here}.per_mib_ms") / 1e3 / 2**20)
    datasets = get(found, "datasets", where)
    if not isinstance(datasets, dict) or not datasets:
        raise bad(f"{where}.datasets", "expected an object naming at least one dataset")
    fixed = max(number(get(get(get(row, "verified", f"{where}.datasets.{name}"), "phases",
                                   f"{where}.datasets.{name}.verified"), "other",
                               f"{where}.datasets.{name}.verified.phases"),
                       f"{where}.datasets.{name}.verified.phases.other")
                for name, row in datasets.items())
    date = document.get("date")
    stamp = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d):\d\d(?:\.\d+)?Z", date) if isinstance(date, str) else None
    when = f"{stamp.group(1)}Z" if stamp else (date if isinstance(date, str) and date else "undated")
    machine = document.get("machine")
    told = ([f"{machine['cpus']} CPU(s)"] if isinstance(machine, dict) and "cpus" in machine else [])
    told += ([f"Python {machine['python']}"] if isinstance(machine, dict) and "python" in machine else [])
    told += ([str(machine["rclone"])] if isinstance(machine, dict) and "rclone" in machine else [])
    return Measured(str(file), pair, when, ", ".join(told) or "not stated", object_mib, costs, fixed)


# ---------------------------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class Plan:
    """What an `hdhport plan` output says about one profile."""

    file: str
    services: Mapping[str, Mapping[str, Any]]
    types: Mapping[str, int]
    enclaves: int

    def instances(self, service: Service) -> int | None:
        """Components built for the service (the platform's, plus one per enclave for per-enclave services)."""
        token = f"hdh:{service.family}:{''.join(part.title() for part in service.id.split('_'))}"
        return self.types.get(token)


def load_plans(directory: Path) -> dict[str, Plan]:
    """Every plan.json in DIR or DIR/*/, by profile; a profile's platform stack wins over its enclave stacks."""
    if not directory.is_dir():
        raise InputError([Problem(str(directory), 1, 1, "", "--plan-dir: not a directory")])
    found: dict[str, tuple[bool, Plan]] = {}
    for file in plan_files(directory):
        profile, stack, plan = read_plan(file)
        platform = stack == profile
        if profile not in found or (platform and not found[profile][0]):
            found[profile] = (platform, plan)
    return {profile: plan for profile, (_, plan) in found.items()}


def plan_files(directory: Path) -> list[Path]:
    """The plan.json files `load_plans` reads in DIR: the command's inputs, never to be written over."""
    return [file for file in sorted([directory / "plan.json", *directory.glob("*/plan.json")])
            if file.exists() or file.is_symlink()]


def _json_document(raw: bytes, bad: Callable[..., InputError]) -> Any:
    """A JSON file's document, or the located error `bad` makes of why it is none."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise bad("", f"not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise bad("", f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise bad("", "JSON nested too deep") from None
    except ValueError as exc:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        raise bad("", f"invalid JSON: {exc}") from None


def read_plan(file: Path) -> tuple[str, str, Plan]:
    """One `hdhport plan` output: its profile, its stack and what the runbook uses of it. Anything else (not
    JSON, too deep, a key of the wrong type) is one located line, exit 2, never an internal error."""
    def bad(where: str, message: str, line: int = 1, column: int = 1) -> InputError:
        return InputError([Problem(str(file), line, column, where, f"not an hdhport plan: {message}")])

    # a FIFO or a device is refused, never opened for a read that would block
    document = _json_document(manifests.read_regular(file, "plan"), bad)

    def expect(value: Any, kind: type, where: str, what: str) -> Any:
        if not isinstance(value, kind) or isinstance(value, bool):
            raise bad(where, f"expected {what}, got {_json_kind(value)}")
        return value

    expect(document, dict, "", "a JSON object at the top")
    for key in ("profile", "stack", "services", "resources"):
        if key not in document:
            raise bad("", f"missing key '{key}'")
    profile = expect(document["profile"], str, "profile", "a string")
    stack = expect(document["stack"], str, "stack", "a string")
    services: dict[str, Mapping[str, Any]] = {}
    for index, entry in enumerate(expect(document["services"], list, "services", "a list")):
        expect(entry, dict, f"services[{index}]", "an object")
        services[expect(entry.get("id"), str, f"services[{index}].id", "a string")] = entry
    types: dict[str, int] = {}
    for index, resource in enumerate(expect(document["resources"], list, "resources", "a list")):
        expect(resource, dict, f"resources[{index}]", "an object")
        token = expect(resource.get("type"), str, f"resources[{index}].type", "a string")
        types[token] = types.get(token, 0) + 1
    summary = expect(document.get("summary", {}), dict, "summary", "an object")
    enclaves = expect(summary.get("enclaves", []), list, "summary.enclaves", "a list")
    return profile, stack, Plan(str(file), services, types, len(enclaves))


def _json_kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}
    return names.get(type(value), "a number")


# ---------------------------------------------------------------------------------------------- sides


@dataclass(frozen=True)
class Side:
    """How one profile gets one service, and the kind of product that is."""

    way: str  # native, self-hosted, gap or unknown
    product: str | None
    kind: str | None
    basis: str  # where the answer comes from
    reason: str
    interfaces: tuple[str, ...] = ()
    instances: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"way": self.way, "product": self.product, "kind": self.kind, "basis": self.basis,
                "reason": self.reason, "interfaces": list(self.interfaces), "instances": self.instances}

    def label(self) -> str:
        if self.way in ("gap", "unknown"):
            return self.way
        return f"{self.product} ({self.way})"


def side(service: Service, profile: Profile, plan: Plan | None = None) -> Side:
    """The product a profile runs for a service: its plan's, else hdhport's resolution, else the bidder's offer."""
    family = profile.api_family
    instances = plan.instances(service) if plan else None
    if plan is not None and service.id in plan.services:
        entry = plan.services[service.id]
        way, product, reason = str(entry.get("resolution")), entry.get("product"), str(entry.get("reason", ""))
        basis = f"plan {plan.file}"
    else:
        resolution = resolve_service(service, profile)
        way, product, reason, basis = resolution.way, resolution.product, resolution.reason, "hdhport resolution"
    if way in ("native", "self-hosted") and product and family in API_FAMILIES:
        impl = service.implementation(family)
        offered = tuple(impl.interfaces or service.interfaces) if way == "native" else tuple(service.interfaces)
        return Side(way, str(product), methods.classify(service.id, str(product), offered), basis, reason, offered,
                    instances)
    # hdhport does not build it there: what the bidder says it offers is what would run.
    offer = profile.offers.get(service.id)
    if offer is not None and offer.offer in ("native", "self-hosted"):
        interfaces = tuple(offer.interfaces)
        why = f"{reason}; the bidder's stated offer" if reason else "the bidder's stated offer"
        return Side(offer.offer, offer.product, methods.classify(service.id, offer.product, interfaces),
                    "profile offer", why, interfaces, instances)
    if offer is not None and offer.offer == "unknown":
        return Side("unknown", None, None, "profile offer", "the profile states no offer for it", (), instances)
    why = (offer.reason if offer is not None and offer.reason else "") or reason or "no offer"
    return Side("gap", None, None, "profile offer" if offer is not None else basis, why, (), instances)


# ---------------------------------------------------------------------------------------------- the runbook


@dataclass(frozen=True)
class ReversibilityGap:
    """A service whose content cannot be moved from the source to the target, or cannot be said to."""

    service: str
    status: Literal["gap", "unknown"]  # gap: no method exists; unknown: a fact needed to tell is missing
    source: str | None  # product
    target: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "status": self.status, "source": self.source, "target": self.target,
                "reason": self.reason}


@dataclass(frozen=True)
class Step:
    order: int
    phase: str
    service: Service
    carries: str
    source: Side
    target: Side
    status: Status
    reason: str
    method: Method | None = None
    fidelity: str | None = None
    prechecks: tuple[str, ...] = ()
    move: tuple[str, ...] = ()
    verification: tuple[str, ...] = ()
    cutover: tuple[str, ...] = ()
    rollback: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()
    volume_tb: float = 0.0
    hours: float = 0.0
    basis: str | None = None  # with --measured: what the hours rest on (None: no method, nothing timed)
    link_hours: float = 0.0  # the link passes' hours, whatever the basis
    #: a move by `hdhport migrate objects` (MEASURED_METHODS): the rclone remotes of its source and its target
    remotes: tuple[Remote | NoRemote, Remote | NoRemote] | None = None

    def gap(self) -> ReversibilityGap | None:
        if self.status not in ("gap", "unknown"):
            return None
        status: Literal["gap", "unknown"] = "gap" if self.status == "gap" else "unknown"
        return ReversibilityGap(self.service.id, status, self.source.product, self.target.product, self.reason)

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.order, "phase": self.phase, "service": self.service.id, "name": self.service.name,
            "carries": self.carries, "data_bearing": self.service.data_bearing,
            "source": self.source.to_json(), "target": self.target.to_json(), "status": self.status,
            "reason": self.reason,
            "method": None if self.method is None else {
                "id": self.method.id, "name": self.method.name, "tool": self.method.tool,
                "passes": self.method.passes, "fidelity": self.fidelity},
            "prechecks": list(self.prechecks), "move": list(self.move), "verification": list(self.verification),
            "cutover": list(self.cutover), "rollback": list(self.rollback), "caveats": list(self.caveats),
            "volume_tb": round(self.volume_tb, 3), "transfer_hours": round(self.hours, 2),
            "rclone_remotes": None if self.remotes is None else {
                "source": self.remotes[0].to_json(), "target": self.remotes[1].to_json()},
        }


@dataclass
class Runbook:
    source: Profile
    target: Profile
    steps: list[Step]
    volume_tb: float
    bandwidth_gbps: float
    assumed: list[str] = field(default_factory=list)  # which of volume and bandwidth were defaults
    plans: dict[str, str] = field(default_factory=dict)  # profile id -> plan file read
    measured: Measured | None = None  # --measured: the bench objects result timing the verified object moves

    @property
    def gaps(self) -> list[ReversibilityGap]:
        return [g for g in (s.gap() for s in self.steps) if g is not None]

    def totals(self) -> dict[str, Any]:
        moving = [s for s in self.steps if s.status == "method"]
        return {
            "steps": len(self.steps), "methods": len(moving),
            "full": sum(1 for s in moving if s.fidelity == "full"),
            "partial": sum(1 for s in moving if s.fidelity == "partial"),
            "gaps": sum(1 for s in self.steps if s.status == "gap"),
            "unknown": sum(1 for s in self.steps if s.status == "unknown"),
            "nothing_to_move": sum(1 for s in self.steps if s.status == "nothing-to-move"),
            "volume_tb": round(sum(s.volume_tb for s in moving), 3),
            "transfer_hours": round(sum(s.hours for s in moving), 2),
        }

    def to_json(self) -> dict[str, Any]:
        assumptions: dict[str, Any] = {
            "volume_tb": self.volume_tb, "bandwidth_gbps": self.bandwidth_gbps,
            "defaults_used": self.assumed, "link_efficiency": LINK_EFFICIENCY, "formula": FORMULA,
            "volume_split": VOLUME_SHARES,
            "not_estimated": "procedural time (freezes, switches, re-keying, rebuilds, rehydration) is not "
                             "estimated: only the transfer over the link is",
        }
        steps = [s.to_json() for s in self.steps]
        if self.measured is not None:  # only then: without it the document stays as it was
            assumptions["measured"] = self.measured.to_json()
            steps = [found | {"hours_basis": s.basis} for s, found in zip(self.steps, steps)]
        return {
            "format": FORMAT,
            "from": _profile_json(self.source, self.plans.get(self.source.id)),
            "to": _profile_json(self.target, self.plans.get(self.target.id)),
            "assumptions": assumptions,
            "totals": self.totals(),
            "one_off_cost": {"egress": _egress(self).to_json()},
            "egress_bound": _bound(self).to_json(),
            "gaps": [g.to_json() for g in self.gaps],
            "steps": steps,
        }


def _profile_json(profile: Profile, plan: str | None) -> dict[str, Any]:
    return {"id": profile.id, "name": profile.name, "api_family": profile.api_family, "plan": plan}


def _egress(runbook: Runbook) -> Any:
    """The move's one-off egress cost at the source (hdhport.migrate.egress)."""
    from hdhport.migrate.egress import egress_cost

    return egress_cost(runbook)


def _bound(runbook: Runbook) -> Any:
    """What bounds the throughput out of the source (hdhport.migrate.egress)."""
    from hdhport.migrate.egress import egress_bound

    return egress_bound(runbook)


def _fill(texts: tuple[str, ...], source: Side, target: Side) -> tuple[str, ...]:
    names = {"source": source.product or "the source", "target": target.product or "the target"}
    return tuple(text.format(**names) for text in texts)


def _carried(catalogue: Catalogue) -> list[tuple[str, Service, str]]:
    """(phase, service, what it carries) in runbook order; a carried service no phase names goes last."""
    carried = {s.id: s for s in catalogue.services if s.data_bearing or s.id in methods.CARRIED}
    ordered = [(phase, carried.pop(service_id), methods.CARRIED.get(service_id, "data"))
               for phase, _title, ids in PHASES for service_id in ids if service_id in carried]
    return ordered + [("other", service, "data") for service in carried.values()]


def _step(order: int, phase: str, service: Service, carries: str, source: Side, target: Side,
          volume_tb: float, bandwidth_gbps: float, target_profile: str,
          target_custody: KeyCustody | None = None, measured: Measured | None = None,
          profiles: tuple[Profile, Profile] | None = None) -> Step:
    base: dict[str, Any] = {"order": order, "phase": phase, "service": service, "carries": carries,
                            "source": source, "target": target}
    if source.way == "gap":
        return Step(**base, status="nothing-to-move", reason=f"not present at the source: {source.reason}")
    if source.way == "unknown":
        return Step(**base, status="unknown", reason="the source profile states no offer: what is there to move "
                                                     "is unknown")
    if target.way == "gap":
        return Step(**base, status="gap", reason=f"the target has no {service.name.lower()}: {target.reason}")
    if target.way == "unknown":
        return Step(**base, status="unknown", reason="the target profile states no offer for it: whether a "
                                                     "method exists cannot be told")
    for label, end in (("source", source), ("target", target)):
        if end.kind is None:
            spoken = ", ".join(end.interfaces) or "none stated"
            return Step(**base, status="unknown", reason=f"no method is known for the {label}'s product "
                                                         f"'{end.product}' (interfaces: {spoken}); stating the open "
                                                         "interfaces it speaks in the profile would tell")
    assert source.kind is not None and target.kind is not None
    choice = methods.choose(service.id, source.kind, target.kind)
    if choice.method is None or choice.route is None:
        return Step(**base, status="gap", reason=choice.gap)
    method, route = choice.method, choice.route
    hours = link_hours = transfer_hours(method.passes, volume_tb, bandwidth_gbps)
    basis = None if measured is None else "link passes"
    if measured is not None and method.id in MEASURED_METHODS and volume_tb:
        hours, basis = measured.hours(volume_tb, bandwidth_gbps), measured.basis
    custody = ((f"{target.product}'s operator states customer key import (BYOK) '{target_custody.byok}' and "
                f"customer-held keys (HYOK) '{target_custody.hyok}' (profile key_custody, {target_custody.date}).",)
               if service.id == "key_management" and target_custody is not None else ())
    deployed = (f"The target stack is deployed (pulumi up on Pulumi.{target_profile}.yaml)"
                if target.basis != "profile offer" else f"{target.product} is provisioned by the operator")
    generic = ((f"{deployed} and {target.product} holds no data yet.",) if service.data_bearing else ())
    sides = (remotes(*profiles, source.kind, target.kind)
             if profiles is not None and method.id in MEASURED_METHODS
             and {source.kind, target.kind} & set(OBJECT_STORE_KINDS) else None)
    return Step(**base, status="method", reason=f"{method.name}: {source.kind} to {target.kind}", method=method,
                fidelity=route.fidelity or method.fidelity,
                prechecks=generic + custody + _fill(method.prechecks + route.prechecks, source, target),
                move=_fill(route.move or method.move, source, target),
                verification=_fill(method.verification, source, target),
                cutover=_fill(method.cutover, source, target), rollback=_fill(method.rollback, source, target),
                caveats=_fill(choice.caveats, source, target), volume_tb=volume_tb, hours=hours, basis=basis,
                link_hours=link_hours, remotes=sides)


def build(catalogue: Catalogue, source: Profile, target: Profile, *, plans: Mapping[str, Plan] | None = None,
          volume_tb: float | None = None, bandwidth_gbps: float | None = None,
          measured: Measured | None = None) -> Runbook:
    """The runbook from `source` to `target`; volume and bandwidth default to stated assumptions. With
    `measured`, the verified object moves (MEASURED_METHODS) take their hours from its costs."""
    plans = plans or {}
    assumed = [name for name, value in (("volume_tb", volume_tb), ("bandwidth_gbps", bandwidth_gbps))
               if value is None]
    volume = DEFAULT_VOLUME_TB if volume_tb is None else volume_tb
    bandwidth = DEFAULT_BANDWIDTH_GBPS if bandwidth_gbps is None else bandwidth_gbps
    steps = [_step(order, phase, service, carries, side(service, source, plans.get(source.id)),
                   side(service, target, plans.get(target.id)), volume * VOLUME_SHARES.get(service.id, 0.0),
                   bandwidth, target.id, target.key_custody, measured, (source, target))
             for order, (phase, service, carries) in enumerate(_carried(catalogue), start=1)]
    used = {pid: plan.file for pid, plan in plans.items() if pid in (source.id, target.id)}
    return Runbook(source, target, steps, volume, bandwidth, assumed, used, measured)


def reversibility_gaps(catalogue: Catalogue, source_profile: Profile,
                       target_profile: Profile) -> list[ReversibilityGap]:
    """The services whose content has no migration method from `source_profile` to `target_profile`
    (status `gap`), or for which a needed fact is missing (status `unknown`), in runbook order.

    Pure and offline, for the procurement diff: count `status == "gap"` as reversibility gaps, and
    treat `unknown` as the diff treats any unstated fact."""
    return build(catalogue, source_profile, target_profile).gaps


# ---------------------------------------------------------------------------------------------- Markdown


def hours_text(hours: float) -> str:
    return f"{hours:.1f} h" + (f" ({hours / 24:.1f} days)" if hours >= 48 else "")


def to_markdown(runbook: Runbook) -> str:
    from hdhport.render import md_table

    src, dst, totals = runbook.source, runbook.target, runbook.totals()
    out = [f"# Migration runbook: {src.name} → {dst.name}", "",
           f"From `{src.id}` (API family {src.api_family}) to `{dst.id}` (API family {dst.api_family}), every "
           "service that holds data or must be carried, in the order of the move. Generated offline by "
           f"`hdhport migrate plan --from {src.id} --to {dst.id}`."]
    for profile in (src, dst):
        plan = runbook.plans.get(profile.id)
        out.append(f"- `{profile.id}`: " + (f"resolutions and instance counts from `{plan}`" if plan else
                                            "resolved by hdhport (no plan read), or its offers where hdhport does "
                                            "not build it"))
    out += ["", "## Summary", "",
            f"{totals['steps']} steps: {totals['methods']} with a method ({totals['full']} full, {totals['partial']} "
            f"partial), **{totals['gaps']} reversibility gap(s)**, {totals['unknown']} unknown, "
            f"{totals['nothing_to_move']} with nothing at the source. {totals['volume_tb']:g} of {runbook.volume_tb:g} TB "
            f"have a method; their transfer over the link"
            + ("" if runbook.measured is None else ", the verified object moves' as measured")
            + f": {hours_text(totals['transfer_hours'])}.", ""]
    rows = [[s.order, f"`{s.service.id}`", s.carries, s.source.label(), s.target.label(),
             (f"{s.method.name} ({s.fidelity})" if s.method else s.status.upper()),
             f"{s.volume_tb:g}" if s.volume_tb else "", f"{s.hours:.1f}" if s.method and s.volume_tb else ""]
            for s in runbook.steps]
    out += [md_table(["#", "service", "carries", "from", "to", "method", "TB", "hours"], rows), ""]
    egress = _egress(runbook)
    out += ["## One-off cost of the move", "",
            f"- Egress from `{src.id}`: {egress.text}.",
            f"  - Price source: {egress.source}" + (f" (read {egress.read})" if egress.read else "")
            + (f"; {egress.note}" if egress.note else "") + ".",
            "  - GB sent = sum over moved services of volume x passes over the link x 1,000; one list price per GB "
            "(no tiers, free allowances or private interconnect rates). The rest of the move (people, parallel "
            "running, the target's ingress and storage) is not estimated here.", ""]
    bound = _bound(runbook)
    ceiling = bound.ceiling
    out += [f"## What bounds the move: egress out of `{src.id}`", "", bound.text, "",
            "- Account egress ceiling: " + (f"unknown ({bound.ceiling_reason})." if ceiling is None else
                                            f"{ceiling.gbps:g} Gbit/s, {ceiling.applies_to}; source: {ceiling.source}, "
                                            f"dated {ceiling.date}."),
            "- Formula: hours = egress TB x 8000 / (min(link, account ceiling) Gbit/s x "
            f"{LINK_EFFICIENCY:.0%} x 3600); egress TB = sum over moved services of volume x passes over the link.",
            ""]
    out += ["## Assumptions", "",
            f"- Volume: {runbook.volume_tb:g} TB" + (" (assumed: give --volume-tb)" if "volume_tb" in runbook.assumed
                                                    else "") + ", split across services as below.",
            f"- Link: {runbook.bandwidth_gbps:g} Gbit/s" + (" (assumed: give --bandwidth-gbps)"
                                                            if "bandwidth_gbps" in runbook.assumed else "")
            + f", of which {LINK_EFFICIENCY:.0%} is sustained.",
            f"- Formula: {FORMULA}.",
            *([] if runbook.measured is None else [
                f"- Measured: the steps moved by `hdhport migrate objects` between object stores "
                f"({', '.join(MEASURED_METHODS)}) take their hours from `{runbook.measured.file}`, pair "
                f"{runbook.measured.pair}, run {runbook.measured.date} on {runbook.measured.machine}, at a mean object "
                f"size of {runbook.measured.object_mib:g} MiB: {MEASURED_FORMULA} "
                f"({runbook.measured.fixed:g} s here). The other steps: the formula above."]),
            "- Transfers share the one link, so their hours add up. Procedural time (freezes, switches, re-keying, "
            "rebuilds, archive rehydration) is not estimated.",
            "- Volume split: " + ", ".join(f"{k} {v:.1%}" for k, v in VOLUME_SHARES.items()) + ".", ""]
    gaps = runbook.gaps
    out += ["## Reversibility gaps", ""]
    out += [f"- **{g.service}** ({g.status}): {g.reason}" for g in gaps] or ["None: every carried service has a "
                                                                            "method."]
    out += ["", "## Steps", ""]
    for step in runbook.steps:
        out += [f"### {step.order}. {step.service.name} — {step.carries}", "",
                f"- From: {_side_text(step.source)}", f"- To: {_side_text(step.target)}"]
        if step.method is None:
            out += [f"- **{step.status.upper()}**: {step.reason}", ""]
            continue
        if step.method.passes == 0:
            duration = "nothing crosses the link in bulk (procedural time not estimated)"
        elif not step.volume_tb:
            duration = "not in the volume split: transfer time not estimated"
        else:
            duration = f"{step.volume_tb:g} TB, {step.method.passes} pass(es) over the link: {hours_text(step.hours)}"
            if runbook.measured is not None and step.basis == runbook.measured.basis:
                duration = (f"{step.volume_tb:g} TB, {hours_text(step.hours)} as measured ({runbook.measured.pair}, "
                            f"{runbook.measured.date}; {step.method.passes} pass(es) over the link alone: "
                            f"{hours_text(step.link_hours)})")
        out += [f"- Method: **{step.method.name}** ({step.fidelity}); tool: {step.method.tool}",
                f"- Duration: {duration}"]
        if step.remotes is not None:
            out += _remotes_text(step.remotes)
        for title, items in (("Pre-checks", step.prechecks), ("Move", step.move), ("Verification", step.verification),
                             ("Cut-over", step.cutover), ("Rollback", step.rollback), ("Caveats", step.caveats)):
            if items:
                out += [f"- {title}:"] + [f"  - {item}" for item in items]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _remotes_text(sides: tuple[Remote | NoRemote, Remote | NoRemote]) -> list[str]:
    """The rclone configuration file a step's `hdhport migrate objects` reads (--rclone-config), secrets kept out."""
    stated = [side for side in sides if isinstance(side, Remote)]
    out = ["- rclone remotes (the file given to --rclone-config; no secret in it):"]
    if stated:
        lines = "\n".join(side.stanza for side in stated).splitlines()
        out += ["", "  ```ini", *(f"  {line}" if line else "" for line in lines), "  ```", ""]
    for label, side in zip(("source", "target"), sides):
        out.append(f"  - {label}: " + (f"`{side.name}:`, credentials: {side.credentials}; form: {side.source}."
                                       if isinstance(side, Remote) else f"no stanza: {side.reason}."))
    return out


def _side_text(end: Side) -> str:
    if end.way == "gap":
        return f"gap ({end.reason})"
    if end.way == "unknown":
        return f"unknown ({end.reason})"
    kind = f", kind `{end.kind}`" if end.kind else ", kind not recognised"
    count = f", {end.instances} instance(s)" if end.instances else ""
    return f"{end.product} ({end.way}{kind}{count}; from the {end.basis})"
