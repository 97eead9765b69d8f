"""The floor: the same resources a plan registered, registered straight on the mock engine.

Given a plan's recording (type, name, parent, inputs, protect / retain, dependencies of every
resource, the outputs each component registered, the stack's exports), `program()` returns a Pulumi
program that makes exactly those registrations and nothing else: no catalogue, profile, resolution,
registry, template or configuration; no Output chain between resources (every input is the value
the plan recorded, the dependencies passed as `depends_on`); no data-source call. bench/child.py
checks, by recording the floor with the planner's own recorder, that it registers the same
resources, parents, options, inputs and outputs as the plan.

What the floor includes, and why:

- the same engine: the planner's mock answers, and its engine settings (`planner.offline_engine`,
  `planner.without_aliases`: collector tuning, no alias URNs, no source positions). They change
  nothing that is registered; giving them to the floor too keeps the ratio plan / floor about the
  toolkit, not about them (bench/run.py shows separately what they save on the SDK's defaults);
- `sdk` (the reference floor): each resource through its SDK class (`pulumi_azure_native.keyvault.
  Vault(...)`), nested inputs as the SDK's typed `...Args` classes, as the house style writes them.
  It pays what any program written with the SDK pays: importing the SDK submodules (seconds for
  azure-native), typed-input serialization, an Output per output property of every resource;
- `generic`: each resource as `pulumi.CustomResource(type_token, name, inputs)`, no SDK class at all.
  Below what any real program pays; shown so the SDK's own share is visible.
"""
from __future__ import annotations

import collections.abc
import functools
import importlib
import re
import typing
from collections.abc import Callable
from typing import Any

MODES = ("sdk", "generic")
REDACTED = "[secret]"  # what the planner records in place of a secret (hdhport.planner.REDACTED)

#: Type token prefix -> the Python package of that provider's SDK.
PACKAGES = {"azure-native": "pulumi_azure_native", "openstack": "pulumi_openstack", "scaleway": "pulumiverse_scaleway"}


def sdk_class(token: str) -> type:
    """The SDK class of a type token: `azure-native:keyvault:Vault` -> pulumi_azure_native.keyvault.Vault,
    `openstack:compute/instance:Instance` -> pulumi_openstack.compute.Instance."""
    package, module, name = token.split(":")
    imported = importlib.import_module(f"{PACKAGES[package]}.{module.split('/')[0]}")
    return getattr(imported, name)  # type: ignore[no-any-return]


def _args_type(cls: type) -> type:
    """The input type of a resource class's constructor."""
    module = importlib.import_module(cls.__module__)
    # Code generation names the resource's Args `<Name>InitArgs` when an input type already is `<Name>Args`.
    return getattr(module, f"{cls.__name__}InitArgs", None) or getattr(module, f"{cls.__name__}Args")  # type: ignore[no-any-return]


def _kwarg_names(cls: type) -> dict[str, str]:
    """Engine property name -> keyword the class's constructor takes (from its Args input type)."""
    from pulumi import _types

    names = {pulumi_name: python_name
             for python_name, pulumi_name in _types.input_type_py_to_pulumi_names(_args_type(cls)).items()}
    # The constructor's first parameter is `resource_name`; a property of that name takes a trailing _.
    return {k: (f"{v}_" if v in ("resource_name", "opts") else v) for k, v in names.items()}


def _input_classes(typ: Any) -> list[type]:
    """The SDK input types (`...Args` classes) a property declares, through Optional / Input / Union."""
    from pulumi import _types

    members = typing.get_args(typ) if typing.get_origin(typ) is typing.Union else (typ,)
    return [m for m in members if isinstance(m, type) and _types.is_input_type(m)]


@functools.cache
def _fields(cls: type) -> tuple[dict[str, str], dict[str, Any]]:
    """An input type's engine name -> Python name, and engine name -> declared type (looked up once)."""
    from pulumi import _types

    return ({p: py for py, p in _types.input_type_py_to_pulumi_names(cls).items()}, _types.input_type_types(cls))


def typed(value: Any, typ: Any) -> Any:
    """A recorded (engine-shaped) value as the program gave it: nested objects as the SDK's typed `...Args`
    classes wherever the SDK declares one (the house style), lists and maps element by element.

    Where a property accepts several classes (a discriminated union), the one that reproduces the
    recorded object (its discriminator, no default of its own added) is chosen. An object no class
    reproduces (a required field that resolved to None in the preview is not recorded) stays the
    plain mapping the plan recorded; the SDK serializes both alike.
    """
    from pulumi import _types

    if isinstance(value, dict):
        for cls in _input_classes(typ):
            names, types = _fields(cls)
            if not set(value) <= names.keys():
                continue
            try:
                built = cls(**{names[k]: typed(v, types.get(k)) for k, v in value.items()})
            except TypeError:
                continue
            fields = _types.input_type_to_dict(built)
            if set(fields) == set(value) and all(fields[k] == v for k, v in value.items() if isinstance(v, str)):
                return built
        if typing.get_origin(typ) in (dict, collections.abc.Mapping):
            inner = _element(typing.get_args(typ)[1])
            return {k: typed(v, inner) for k, v in value.items()}
        return value
    if isinstance(value, list) and typing.get_origin(typ) in (list, collections.abc.Sequence):
        inner = _element(typing.get_args(typ)[0])
        return [typed(v, inner) for v in value]
    return value


def _element(typ: Any) -> Any:
    """`Union[X, Awaitable[X], Output[...]]`, the SDK's spelling of an input element, down to X."""
    args = typing.get_args(typ) if typing.get_origin(typ) is typing.Union else ()
    return args[0] if args else typ


def _value(value: Any) -> Any:
    """A recorded value as an input: redacted secrets become secrets again, so they take the same path."""
    import pulumi

    if value == REDACTED:
        return pulumi.Output.secret(REDACTED)
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


_MISSING = re.compile(r"^Missing required property '(\w+)'$")


def _construct(cls: type, name: str, opts: Any, kwargs: dict[str, Any]) -> Any:
    """Construct an SDK resource with recorded inputs.

    A required input the program gave as an output that resolved to None in the preview (an
    output-only property the mock engine does not echo, such as a managed identity's principal id) is
    missing from the recording, and the class refuses to be built without it: give it the same
    None-valued output, which the SDK serializes the same way (it drops the property).
    """
    import pulumi

    while True:
        try:
            return cls(name, opts=opts, **kwargs)
        except TypeError as error:
            missing = _MISSING.match(str(error))
            if not missing or missing.group(1) in kwargs:
                raise
            kwargs[missing.group(1)] = pulumi.Output.from_input(None)


def program(recording: dict[str, Any], mode: str) -> Callable[[], None]:
    """A Pulumi program registering the recording's resources in the order the plan registered them."""
    if mode not in MODES:
        raise ValueError(f"unknown floor mode {mode!r}; expected one of {', '.join(MODES)}")

    def run() -> None:
        import pulumi
        from pulumi import _types

        made: dict[str, pulumi.Resource] = {}
        classes: dict[str, tuple[type, dict[str, str], dict[str, Any]]] = {}
        components: list[tuple[pulumi.ComponentResource, dict[str, Any]]] = []
        for resource in recording["resources"]:
            if resource["read"]:
                raise ValueError(f"the floor does not replay reads ({resource['urn']})")
            opts = pulumi.ResourceOptions(
                parent=made.get(resource["parent"]), protect=resource["protect"] or None,
                retain_on_delete=resource["retain_on_delete"] or None,
                depends_on=[made[d] for d in resource["dependencies"] if d in made] or None)
            inputs = {k: _value(v) for k, v in resource["inputs"].items()}
            if not resource["custom"]:
                component = pulumi.ComponentResource(resource["type"], resource["name"], None, opts)
                components.append((component, resource["outputs"]))
                made[resource["urn"]] = component
            elif mode == "generic":
                made[resource["urn"]] = pulumi.CustomResource(resource["type"], resource["name"], inputs, opts)
            else:
                if resource["type"] not in classes:
                    cls = sdk_class(resource["type"])
                    classes[resource["type"]] = (cls, _kwarg_names(cls), _types.input_type_types(_args_type(cls)))
                cls, names, types = classes[resource["type"]]
                kwargs = {names[k]: typed(v, types.get(k)) for k, v in inputs.items()}
                made[resource["urn"]] = _construct(cls, resource["name"], opts, kwargs)
        for component, outputs in components:
            component.register_outputs({k: _value(v) for k, v in outputs.items()})
        for key, value in recording["stack_outputs"].items():
            pulumi.export(key, value)

    return run
