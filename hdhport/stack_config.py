"""A stack's configuration (the `hdh:*` keys): its model, read and validated once, before any resource is declared.

The engine's own, not the Pulumi program's: the program (infra/) parses its stack with `parse`, the API families
(providers/) raise `ConfigError` for their own keys, and the offline commands (`hdhport plan`, `cost`, `preflight`,
`check`) catch it and split `hdh:enclaves` the same way. Nothing here imports a cloud SDK or the Pulumi SDK: the
families' settings modules are found through hdhport.registry and imported on first use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from hdhport import paths
from hdhport.stackfile import is_stack_name

if TYPE_CHECKING:
    import pulumi

_PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
MAX_ENCLAVES = 16384  # one /24 each in the enclaves' /10


CORE_KEYS = frozenset({"profile", "region", "enclaves", "cpuFlavor", "gpuFlavor", "image", "services", "allowGaps",
                       "enclaveStacks", "platformStack", "adminSshPublicKey", "firstEnclaveIndex"})


def settings_module(family: str) -> ModuleType | None:
    """The module of `family`'s stack settings (providers/<family>/settings.py), when it has one."""
    import importlib

    from hdhport.registry import SETTINGS

    return importlib.import_module(SETTINGS[family]) if family in SETTINGS else None


def provider_region_key(family: str) -> str | None:
    """The provider setting naming the region (`openstack:region`, `scaleway:region`), when the family checks it."""
    return getattr(settings_module(family), "PROVIDER_REGION_KEY", None)


def family_keys() -> frozenset[str]:
    """Keys the API families' implementations read (providers/<family>/settings.py)."""
    from hdhport.registry import SETTINGS

    return frozenset().union(*(getattr(settings_module(f), "CONFIG_KEYS", frozenset()) for f in SETTINGS))


class ConfigError(Exception):
    """A stack configuration value is missing or wrong; names the key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}")


_UTC_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
#: Characters no configuration value needs and a resource name or a cloud-init file must not get (a trailing
#: newline, an escape sequence): C0 and C1 controls, DEL. Patterns are matched whole (`fullmatch`, never
#: `match` with `$`, which accepts a trailing newline).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def optional_utc_timestamp(config: pulumi.Config, key: str) -> str | None:
    """`hdh:<key>` as a UTC time (`2027-06-30T23:59:59Z`), when the stack sets it (credential expiries)."""
    import datetime as dt

    value = config.get(key)
    if value is None:
        return None
    try:
        valid = bool(_UTC_TIMESTAMP.fullmatch(value)) and bool(dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"hdh:{key}", f"expected a UTC time such as '2027-06-30T23:59:59Z', got {value!r}")
    return value


@dataclass(frozen=True)
class StackConfig:
    profile: str
    region: str
    enclaves: tuple[str, ...]
    cpu_flavor: str | None
    gpu_flavor: str | None
    image: str | None
    services: tuple[str, ...] | None
    allow_gaps: bool
    enclave_stacks: bool
    platform_stack: str | None
    admin_ssh_public_key: str
    first_enclave_index: int | None = None
    """Enclave stacks: the position of their first project among all projects (fixes its /24)."""
    enclave_indexes: tuple[int, ...] | None = None
    """Each project's enclave network, when `hdh:enclaves` maps ids to them: its /24 is keyed by the project,
    not by its place in a list, so adding or removing a project moves no other one."""


def parse_enclave_indexes(value: Any) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """`hdh:enclaves` as a mapping {project id: enclave network number}: the ids and their numbers."""
    names = parse_enclaves(list(value))
    numbers = tuple(value[name] for name in names)
    bad = [(n, i) for n, i in zip(names, numbers) if isinstance(i, bool) or not isinstance(i, int)
           or not 0 <= i < MAX_ENCLAVES]
    if bad:
        raise ConfigError(f"hdh:enclaves.{bad[0][0]}", f"expected an enclave network number from 0 to "
                                                      f"{MAX_ENCLAVES - 1}, got {bad[0][1]!r}")
    taken: dict[int, str] = {}
    for name, number in zip(names, numbers):
        if number in taken:
            raise ConfigError(f"hdh:enclaves.{name}", f"network {number} is already {taken[number]}'s")
        taken[number] = name
    return names, numbers


def parse_enclaves(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, dict):
        return parse_enclave_indexes(value)[0]
    if isinstance(value, bool) or not isinstance(value, (int, list)):
        raise ConfigError("hdh:enclaves", "expected a number of projects, a list of project ids, or a mapping "
                                          "of project ids to their enclave network numbers")
    if isinstance(value, int):
        if not 0 <= value <= MAX_ENCLAVES:
            raise ConfigError("hdh:enclaves", f"expected 0 to {MAX_ENCLAVES} projects, got {value}")
        return tuple(f"project-{i:03d}" for i in range(1, value + 1))
    names = tuple(value)
    bad = [n for n in names if not isinstance(n, str) or not _PROJECT_ID.fullmatch(n)]
    if bad:
        raise ConfigError("hdh:enclaves", f"project ids are lowercase letters, digits and dashes (2-32 chars); "
                                          f"got {bad[0]!r}")
    if len(set(names)) != len(names):
        raise ConfigError("hdh:enclaves", "project ids must be unique")
    if len(names) > MAX_ENCLAVES:
        raise ConfigError("hdh:enclaves", f"at most {MAX_ENCLAVES} projects")
    return names


def _bool(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    if not isinstance(value, bool):
        raise ConfigError(f"hdh:{key}", f"expected true or false, got {value!r}")
    return value


def _text(raw: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(f"hdh:{key}", "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"hdh:{key}", f"expected a non-empty string, got {value!r}")
    if _CONTROL.search(value):
        raise ConfigError(f"hdh:{key}", f"a control character (newline, tab, escape) in {value!r}")
    return value


def parse(raw: dict[str, Any]) -> StackConfig:
    """Validate the `hdh` namespace of a stack's configuration (keys without the `hdh:` prefix)."""
    for key in sorted(set(raw) - CORE_KEYS - family_keys()):
        raise ConfigError(f"hdh:{key}", "unknown key; expected one of the keys listed in README.md "
                                        f"(core: {', '.join(sorted(CORE_KEYS))})")
    services = raw.get("services")
    if services is not None and (not isinstance(services, list) or not all(isinstance(s, str) for s in services)):
        raise ConfigError("hdh:services", "expected a list of catalogue service ids")
    if services == []:
        raise ConfigError("hdh:services", "an empty list builds no service; leave the key out to build them all")
    key = _text(raw, "adminSshPublicKey", required=True) or ""
    if not re.fullmatch(r"(ssh-ed25519|ecdsa-sha2-nistp\d+|ssh-rsa) [A-Za-z0-9+/=]+( [^\x00-\x1f\x7f]*)?", key):
        raise ConfigError("hdh:adminSshPublicKey", "expected an OpenSSH public key line (ssh-ed25519 AAAA...)")
    platform_stack = _text(raw, "platformStack")
    if platform_stack is not None and not is_stack_name(platform_stack, qualified=True):
        raise ConfigError("hdh:platformStack", f"expected a stack name such as 'organization/hdhport/ovhcloud-public-"
                                               f"cloud' (letters, digits, '_', '.', '-'), got {platform_stack!r}")
    enclaves = parse_enclaves(raw.get("enclaves"))
    indexes = parse_enclave_indexes(raw["enclaves"])[1] if isinstance(raw.get("enclaves"), dict) else None
    first_index = _index(raw.get("firstEnclaveIndex"))
    if indexes is not None and first_index is not None:
        raise ConfigError("hdh:firstEnclaveIndex", "hdh:enclaves maps each project to its network already")
    if first_index is not None and first_index + len(enclaves) > MAX_ENCLAVES:
        raise ConfigError("hdh:firstEnclaveIndex", f"enclaves {first_index} to {first_index + len(enclaves) - 1} "
                                                   f"do not fit: there are {MAX_ENCLAVES} enclave networks (0 to "
                                                   f"{MAX_ENCLAVES - 1})")
    return StackConfig(
        profile=_text(raw, "profile", required=True) or "",
        region=_text(raw, "region", required=True) or "",
        enclaves=enclaves,
        cpu_flavor=_text(raw, "cpuFlavor"),
        gpu_flavor=_text(raw, "gpuFlavor"),
        image=_text(raw, "image"),
        services=tuple(services) if services is not None else None,
        allow_gaps=_bool(raw, "allowGaps"),
        enclave_stacks=_bool(raw, "enclaveStacks"),
        platform_stack=platform_stack,
        admin_ssh_public_key=key,
        first_enclave_index=first_index,
        enclave_indexes=indexes,
    )


def _index(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_ENCLAVES:
        raise ConfigError("hdh:firstEnclaveIndex", f"expected 0 to {MAX_ENCLAVES - 1}, got {value!r}")
    return value


def profile_path(reference: str) -> Path:
    """A shipped profile id, or a path to a profile file."""
    candidate = paths.PROFILES_DIR / f"{reference}.yaml"
    return candidate if candidate.exists() else Path(reference)
