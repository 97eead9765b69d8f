"""Run the real Pulumi program in-process on the SDK's mock engine and record what it would create.

No CLI, no plugin, no credentials: `pulumi.runtime.set_mocks` stands in for the engine, a recording
monitor captures every registration (type, name, parent, inputs, protect / retain, dependencies)
and every component's registered outputs. Preview semantics: values only a cloud would know are
recorded as "<computed>", as `pulumi preview` shows them. Secrets are redacted.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import gc
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdhport import paths, prerequisites
from hdhport.prerequisites import Prerequisite

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
COMPUTED = "<computed>"
REDACTED = "[secret]"
PROJECT = "hdhport"
#: A public key for plans of profiles without a stack file; public keys are not secrets.
EXAMPLE_SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN48w5pJpDH4EVS19ywhCcNqPqvkbTCO6n93vYWAqEfr hdh-plan-example"


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    protect: bool
    retain_on_delete: bool
    dependencies: list[str]
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)  # components: what register_outputs declared
    read: bool = False  # read from the cloud (StackReference, get), not created
    ignore_changes: list[str] = field(default_factory=list)  # inputs a later run leaves as first created


def resource_tags(inputs: dict[str, Any]) -> dict[str, str]:
    """A resource's labels as one mapping, whatever the cloud calls them: a mapping (`tags` on Azure, `metadata`
    on OpenStack volumes, `labels`) or `key=value` strings (Scaleway, OpenStack networking)."""
    found: dict[str, str] = {}
    for key in ("tags", "metadata", "labels"):
        value = inputs.get(key)
        if isinstance(value, dict):
            found.update({str(k): str(v) for k, v in value.items()})
        elif isinstance(value, list):
            found.update(dict(str(v).split("=", 1) for v in value if isinstance(v, str) and "=" in v))
    return found


@dataclass
class PlanResult:
    stack: str
    config: dict[str, Any]
    resources: list[PlannedResource]
    stack_outputs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    #: What the stack must give before `pulumi up`, which refuses the blocking ones (hdhport/prerequisites.py).
    prerequisites: list[Prerequisite] = field(default_factory=list)

    def by_urn(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}


def clean(value: Any) -> Any:
    """Engine values as plain JSON: secrets redacted, unknowns marked, resource references by URN."""
    from pulumi.output import Unknown

    if isinstance(value, Unknown):
        return COMPUTED
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:
            return REDACTED
        if RESOURCE_SIG in value:
            return value.get("urn", COMPUTED)
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "urn") and not isinstance(value, (str, bytes)):  # a deserialized resource reference
        return COMPUTED
    return value


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` of Pulumi.<stack>.yaml, each value as the program decodes it (hdhport.stackfile)."""
    from hdhport import stackfile

    return dict(stackfile.read(stack).config)


def config_for_profile(profile: str) -> tuple[str, dict[str, Any]]:
    """Plan a profile through its stack file when one ships, else with the profile's first region."""
    from hdhport import stackfile

    if stackfile.exists(profile):
        return profile, stack_config(profile)
    from hdhport.loader import load_catalogue, profiles_from
    from hdhport.stack_config import profile_path, provider_region_key
    from hdhport.yamlsource import load_document

    catalogue = load_catalogue(paths.CATALOGUE)
    (loaded, _), = profiles_from([load_document(profile_path(profile))], catalogue).values()
    stack = loaded.id
    region = loaded.regions[0]
    config: dict[str, Any] = {"hdh:profile": profile, "hdh:region": region.id, "hdh:enclaves": 0,
                              "hdh:adminSshPublicKey": EXAMPLE_SSH_KEY}
    # The provider's own name of that region, when the family checks it and the profile gives one.
    key = provider_region_key(loaded.api_family)
    if key and region.api_names:
        config[key] = region.api_names[0]
    return stack, config


#: Output-only properties the program reads, per resource type, answered "<computed>" as a preview shows
#: them (an echo of the inputs would leave them out, and whatever reads them would see nothing).
COMPUTED_OUTPUTS: dict[str, dict[str, Any]] = {
    "azure-native:containerservice:ManagedCluster": {"oidcIssuerProfile": {"issuerURL": COMPUTED}},
    "azure-native:keyvault:Secret": {"properties": {"secretUri": COMPUTED, "secretUriWithVersion": COMPUTED}},
}


def _as_outputs(inputs: dict[str, Any], type_: str = "") -> dict[str, Any]:
    """Echo inputs as outputs, where the engine's shapes differ reshaped the way the cloud answers:
    Azure takes user-assigned identities as a list of ids and returns them as a map keyed by id; the
    output-only properties of COMPUTED_OUTPUTS are added."""
    def reshape(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({i: {} for i in v if isinstance(i, str)}  # unknown ids (previews) have no key yet
                        if k == "userAssignedIdentities" and isinstance(v, list) else reshape(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [reshape(v) for v in value]
        return value

    outputs: dict[str, Any] = reshape(inputs)
    return _merged(outputs, COMPUTED_OUTPUTS[type_]) if type_ in COMPUTED_OUTPUTS else outputs


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        inner = merged.get(key)
        if isinstance(inner, dict) and inner.get(SECRET_SIG) == SECRET_VALUE and isinstance(value, dict):
            # A property holding a secret is secret as a whole (Python SDK): add to what it wraps, kept secret.
            wrapped = inner.get("value")
            merged[key] = {**inner, "value": _merged(wrapped, value) if isinstance(wrapped, dict) else value}
        else:
            merged[key] = _merged(inner, value) if isinstance(value, dict) and isinstance(inner, dict) else value
    return merged


def _engine_value(value: Any) -> str:
    """The text the engine hands the program. A `{secure: ...}` ciphertext cannot be decrypted offline: the
    program gets a placeholder, as secret as the value would be."""
    import json

    if isinstance(value, dict) and len(value) == 1 and "secure" in value:
        return REDACTED
    return value if isinstance(value, str) else json.dumps(value)


def run(stack: str, config: dict[str, Any]) -> PlanResult:
    """Run the project's program under mocks with this stack config; raise its ConfigError / GapError as they are."""
    return record(project_program(), stack, config)


def project_program() -> Callable[[], object]:
    """The project's Pulumi program, found and run the way the engine finds and runs it under `pulumi up`.

    The planner is the engine's (hdhport/), the program the composition root's (infra/), above it: the engine never
    imports the composition root (STYLE.md "Layers", tests/test_layers.py). Having the CLI pass the program in would
    only move that import, since the CLI is the engine's too (hdhport/cli.py); an entry point of its own in infra/
    would be a second way in to keep in step with Pulumi.yaml. So the planner reads what `pulumi up` reads, the
    project file's `main:`, and runs it as the Python language host does (pulumi-language-python-exec:
    `runpy.run_path(program, run_name="__main__")`): the plan runs exactly what a deployment runs, wherever
    Pulumi.yaml points. The host hands run_path the directory, which also puts it first on sys.path for the
    process; an in-process plan runs its `__main__.py` file, so infra/'s modules never shadow top-level names.
    """
    import runpy

    entry = str(entry_point())

    def run_program() -> None:
        runpy.run_path(entry, run_name="__main__")

    return run_program


def entry_point() -> Path:
    """The file Pulumi runs for this project: Pulumi.yaml's `main:` (the project's directory when it sets none),
    relative to the project; a directory stands for its `__main__.py`."""
    return _entry_point(paths.ROOT)


@functools.cache
def _entry_point(root: Path) -> Path:
    """entry_point for one project directory, read once per directory."""
    from hdhport.errors import InputError, Problem
    from hdhport.yamlsource import load_document

    project = root / "Pulumi.yaml"
    document = load_document(project, project.name, pulumi=True)
    main = document.data.get("main", ".") if isinstance(document.data, dict) else "."
    target = root / str(main)
    entry = target / "__main__.py" if target.is_dir() else target
    if not isinstance(main, str) or not entry.is_file():
        raise InputError([Problem(project.name, *document.where(("main",)), "main",
                                  f"{main!r} names no Python program to run (a directory holding __main__.py, "
                                  "or a .py file)")])
    return entry


def record(program: Callable[[], object], stack: str, config: dict[str, Any]) -> PlanResult:
    """Run any Pulumi program function on the mock engine and record every registration."""
    from pulumi.runtime import mocks, rpc

    recorded: dict[str, PlannedResource] = {}
    stack_outputs: dict[str, Any] = {}
    # The inputs the mock engine has just deserialized for a registration, handed to the recorder on
    # the same thread, so each resource's inputs are decoded once, not twice.
    decoded = threading.local()
    engine = answering_engine(lambda inputs: setattr(decoded, "inputs", inputs))

    class RecordingMonitor(mocks.MockMonitor):
        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            decoded.inputs = None
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
            if request.type != "pulumi:pulumi:Stack":
                inputs = decoded.inputs if decoded.inputs is not None else rpc.deserialize_properties(request.object)
                recorded[response.urn] = PlannedResource(
                    urn=response.urn, type=request.type, name=request.name, parent=request.parent,
                    custom=bool(request.custom), protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete), dependencies=list(request.dependencies),
                    inputs=clean(inputs), ignore_changes=list(request.ignoreChanges))
            return response

        def ReadResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            """Reads (StackReference, `get` of an existing resource) are planned too: the stack depends on them."""
            response = super().ReadResource(request)  # type: ignore[no-untyped-call]
            recorded[response.urn] = PlannedResource(
                urn=response.urn, type=request.type, name=request.name, parent=request.parent, custom=True,
                protect=False, retain_on_delete=False, dependencies=list(request.dependencies),
                inputs=clean(rpc.deserialize_properties(request.properties)), read=True)
            return response

        def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            outputs = clean(rpc.deserialize_properties(request.outputs))
            if request.urn in recorded:
                recorded[request.urn].outputs = outputs
            elif "::pulumi:pulumi:Stack::" in request.urn:
                stack_outputs.update(outputs)
            return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]

    warnings: list[str] = []
    prerequisites.reset()
    run_on_mocks(program, stack, config, engine, RecordingMonitor(engine), _collecting_logger(warnings))
    return PlanResult(stack, config, list(recorded.values()), stack_outputs, warnings, prerequisites.reported())


def answering_engine(on_inputs: Callable[[Any], object] | None = None) -> Any:
    """A mock cloud that accepts every resource: the id is the name, the outputs echo the inputs (see
    `_as_outputs`), data-source look-ups get MOCK_CALLS. `on_inputs` sees each registration's decoded inputs."""
    from pulumi.runtime import mocks

    class AnswerEverything(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
            if on_inputs is not None:
                on_inputs(args.inputs)
            return mock_id(args.name), _as_outputs(dict(args.inputs), args.typ)

        def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]]]:
            # The engine iterates the failures: an empty list, never None.
            answer = MOCK_CALLS.get(args.token, {})
            return (answer() if callable(answer) else answer), []

    return AnswerEverything()


def run_on_mocks(program: Callable[[], object], stack: str, config: dict[str, Any], engine: Any, monitor: Any,
                 logger: logging.Logger | None = None, tuned: bool = True) -> None:
    """Run `program` as stack `stack` of this project, in preview, on `engine` observed through `monitor`.

    `tuned` (the planner's way) runs it inside `offline_engine` and `without_aliases`; without, on the
    SDK's own defaults (the benchmark shows what the settings save).
    """
    import pulumi
    from pulumi.runtime import settings
    from pulumi.runtime.stack import run_in_stack, run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(engine, project=PROJECT, stack=stack, preview=True, monitor=monitor, logger=logger)
    settings.ROOT.set(None)  # set_mocks finished its own root; run_in_stack makes the one exports land on
    pulumi.runtime.set_all_config({k: _engine_value(v) for k, v in config.items()})
    os.environ.setdefault("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
    if not tuned:
        _sync_await(run_pulumi_func(lambda: run_in_stack(program)))  # type: ignore[arg-type]
        return
    with offline_engine():
        _sync_await(run_pulumi_func(lambda: run_in_stack(without_aliases(program))))  # type: ignore[arg-type]


def without_aliases(program: Callable[[], object]) -> Callable[[], object]:
    """The program with every resource's aliases dropped before the SDK sees them.

    pulumi-azure-native declares each older API version of a resource as an alias of it (about twenty
    per resource), and the SDK turns every alias into a URN through a chain of asynchronous Outputs at
    construction, whether anyone reads it or not: three quarters of an Azure plan's run time and a
    third of its memory (bench/). Aliases only tell the engine which existing state a resource used to
    be; an offline plan has no state, the mock engine ignores them and the plan never recorded them.
    `pulumi up` runs infra/ without the planner, so real deployments keep every alias.
    """
    def strip(args: Any) -> Any:
        import pulumi

        if not args.opts.aliases:
            return None
        opts = copy.copy(args.opts)
        opts.aliases = None
        return pulumi.ResourceTransformationResult(args.props, opts)

    def run() -> object:
        import pulumi

        pulumi.runtime.register_stack_transformation(strip)
        return program()

    return run


@contextlib.contextmanager
def offline_engine() -> Iterator[None]:
    """The interpreter and SDK settings of an offline plan, restored afterwards.

    Garbage collector. A plan allocates millions of objects that live until the end of the run (an
    Output, futures and a task per property of every resource) and millions of short-lived ones
    (closures the SDK builds per call, which only the cyclic collector frees), on top of a heap of
    imported SDK modules. With CPython's defaults the collector keeps re-walking the survivors and,
    every so often, that whole heap: half the run time of a 500-enclave plan. During a plan, what
    existed before it is frozen out of every collection, the youngest generation holds up to a
    million objects before it is collected, and the older ones are left alone until the plan ends.
    Cyclic garbage is still collected young, where it dies, so memory stays bounded (+2% peak at 500
    enclaves, bench/).

    Source positions. For every resource the SDK walks the Python stack and turns each frame into a
    file URI (a stat and a path parse per frame), so the engine can point at the line that declared
    it: a third of the program's own run time. The mock engine ignores them and no plan records them.
    """
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    thresholds = gc.get_threshold()
    stack_trace = getattr(sdk_resource, "_get_stack_trace", None)
    with frozen_heap():
        gc.set_threshold(*GC_THRESHOLDS)
        if stack_trace is not None:
            sdk_resource._get_stack_trace = source_pb2.StackTrace
        try:
            yield
        finally:
            if stack_trace is not None:
                sdk_resource._get_stack_trace = stack_trace
            gc.set_threshold(*thresholds)


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """What is alive when the block starts is left out of every collection until it ends (a freeze the
    caller made is kept as it was)."""
    frozen_by_caller = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_by_caller:
            gc.unfreeze()


#: Collector thresholds during a plan (CPython's defaults: 700, 10, 10).
GC_THRESHOLDS = (1_000_000, 100, 100)


def _collecting_logger(sink: list[str]) -> logging.Logger:
    """What the program logs (pulumi.log.warn...) goes into the plan, not onto the terminal."""
    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                sink.append(record.getMessage())

    logger = logging.getLogger(f"hdhport.plan.{id(sink)}")
    logger.handlers = [Collect()]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


#: Answers to the data-source look-ups the program makes (what a logged-in CLI would return).
def _stack_config_list(namespace: str, key: str, default: list[str]) -> list[str]:
    """A list from the configuration of the stack being planned (for answers that echo it)."""
    import pulumi

    value = pulumi.Config(namespace).get_object(key)
    return value if isinstance(value, list) else default


def mock_id(name: str) -> str:
    """The id the mock engine gives a resource created under `name` (what the plan shows for it)."""
    return f"{name}-id"


MOCK_CALLS: dict[str, dict[str, Any] | Callable[[], dict[str, Any]]] = {
    "azure-native:authorization:getClientConfig": {
        "clientId": "00000000-0000-0000-0000-000000000001",
        "objectId": "00000000-0000-0000-0000-000000000002",
        "subscriptionId": "00000000-0000-0000-0000-000000000003",
        "tenantId": "00000000-0000-0000-0000-000000000004",
    },
    "azure-native:managedidentity:getUserAssignedIdentity": {
        "principalId": "00000000-0000-0000-0000-000000000005",
        "clientId": "00000000-0000-0000-0000-000000000006",
        "tenantId": "00000000-0000-0000-0000-000000000004",
    },
    "openstack:identity/getAuthScope:getAuthScope": lambda: {
        "projectId": "project-hdh-id", "userId": "user-hdh-deployer-id", "region": "",
        # Offline, the deploying user holds the roles the stack gives workloads; a real preview checks it.
        "roles": [{"roleId": f"role-{name}-id", "roleName": name}
                  for name in _stack_config_list("hdh", "workloadRoles", ["member"])],
        "serviceCatalogs": [{"id": "swift-id", "name": "swift", "type": "object-store", "endpoints": [
            {"id": "swift-public-id", "interface": "public", "region": "", "regionId": "",
             "url": "https://object-store.example:8080/v1/AUTH_project-hdh-id"}]}],
    },
    # Offline, the deploying Scaleway API key belongs to an IAM application (a pipeline's, as docs/operations.md asks).
    "scaleway:iam/getApiKey:getApiKey": {"applicationId": "00000000-0000-0000-0000-00000000000d", "userId": ""},
    "openstack:identity/getRole:getRole": {"id": "role-standard-id"},
    "openstack:networking/getNetwork:getNetwork": {"id": "external-network-id"},
    "openstack:networking/getPort:getPort": {"id": "platform-router-port-id", "deviceId": "platform-router-id"},
    "openstack:networking/getSubnet:getSubnet": {"cidr": "10.20.0.0/20"},
    "openstack:compute/getFlavor:getFlavor": {"id": "flavor-id"},
    "openstack:images/getImage:getImage": {"id": "image-id"},
}
