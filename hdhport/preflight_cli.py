"""`hdhport preflight --stack NAME`: the stack's cloud prerequisites, asked of the real cloud before `pulumi up`."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hdhport.errors import InputError, Problem

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def register(commands: Any) -> None:
    preflight = commands.add_parser(
        "preflight", help="ask the real OpenStack cloud (read-only, as the deploying user) whether a stack can deploy")
    preflight.add_argument("--stack", required=True, help="stack name: reads Pulumi.<NAME>.yaml")
    preflight.add_argument("--enclaves", type=int, default=None, help="number of enclaves to size the quotas for")
    preflight.add_argument("--format", choices=("table", "json"), default="table")
    preflight.set_defaults(handler=_preflight)


def _list(value: Any, default: list[str]) -> list[str]:
    if value is None:
        return default
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in value]


def _preflight(args: argparse.Namespace) -> int:
    from hdhport import paths, planner, preflight
    from hdhport.loader import load_specification
    from hdhport.openstack_defaults import ARCHIVE_STORAGE_POLICY, ENCRYPTED_VOLUME_TYPE, WORKLOAD_ROLES
    from hdhport.render import text_table
    from hdhport.resolve import resolve
    from hdhport.stack_config import ConfigError

    origin = f"Pulumi.{args.stack}.yaml"
    config = planner.stack_config(args.stack)
    if args.enclaves is not None:
        config["hdh:enclaves"] = args.enclaves
    spec = load_specification(paths.CATALOGUE, paths.shipped_profiles())
    profile = spec.profiles.get(str(config.get("hdh:profile")))
    if profile is None or profile.api_family != "openstack" or profile.openstack is None:
        raise InputError([Problem(origin, 1, 1, "hdh:profile", "preflight asks OpenStack clouds; this stack's "
                                  f"profile {config.get('hdh:profile')!r} is not an OpenStack profile")])
    region = config.get("openstack:region")
    if not region:
        raise InputError([Problem(origin, 1, 1, "openstack:region", "is not set: the cloud's name of the region")])
    resolutions = resolve(spec.catalogue, profile)
    native = {r.service for r in resolutions if r.way == "native"}
    settings = {
        "workload_roles": _list(config.get("hdh:workloadRoles"), list(WORKLOAD_ROLES)),
        "encrypted_volume_type": (config.get("hdh:encryptedVolumeType") or ENCRYPTED_VOLUME_TYPE)
        if "disk_encryption" in native else None,
        "external_network": config.get("hdh:externalNetwork"),
        "archive_storage_policy": (config.get("hdh:archiveStoragePolicy") or ARCHIVE_STORAGE_POLICY)
        if "archive_storage" in native else None,
    }
    try:
        planned = planner.run(args.stack, config).resources
    except ConfigError as exc:
        raise InputError([Problem(origin, 1, 1, "", str(exc))]) from None
    flavors = sorted({str(r.inputs["flavorName"]) for r in planned if r.custom and r.inputs.get("flavorName")})
    image = config.get("hdh:image") or (profile.flavors.image if profile.flavors else None)
    try:
        session = preflight.login(preflight.environment(), str(region))
        checks = preflight.run(session, settings, list(profile.openstack.services), planned, flavors,
                               image, config.get("hdh:imageId"))
    except preflight.CredentialsError as exc:
        print(f"hdhport preflight: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    failed = [c for c in checks if not c.ok]
    if args.format == "json":
        print(json.dumps({"stack": args.stack, "region": region, "ok": not failed,
                          "checks": [c.__dict__ for c in checks]}, indent=2))
    else:
        print(text_table(["check", "", "asked", "the cloud answered"],
                         [[c.name, "ok" if c.ok else "FAIL", c.asked, c.answered] for c in checks]))
        print(f"{args.stack}: {len(checks) - len(failed)} of {len(checks)} checks pass"
              + (f"; fix {', '.join(c.name for c in failed)} before `pulumi up`" if failed else "")
              + f" ({len(session.calls)} read-only calls after the token)")
    return EXIT_FAILED if failed else EXIT_OK
