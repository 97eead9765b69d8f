"""Token map of hdhport's bridged OpenStack provider, generated from the pinned Python SDK (run by build.sh).

The bridge needs, for every Terraform resource and data source of terraform-provider-openstack, the Pulumi
token that the Python SDK pulumi_openstack (pinned in requirements/lock.txt) sends to the engine, e.g.
openstack_networking_network_v2 -> openstack:networking/network:Network. Pulumi's own mapping
(pulumi-openstack/provider/resources.go) is not reachable here, so it is rebuilt from both ends:

  * Terraform names: the ResourcesMap / DataSourcesMap literals of openstack/provider.go in the pinned
    terraform-provider-openstack module (from the Go module cache);
  * Pulumi tokens: the resource tokens (`super().__init__('openstack:...', resource_name, ...)`) and the
    invoke tokens (`pulumi.runtime.invoke('openstack:...')`) of the installed pulumi_openstack package;

matched by name (module aliases + candidate spellings) plus OVERRIDES for the six the rule cannot guess.
Every Terraform name must get exactly one token and no token may be used twice, else it exits 1.

Usage:
  tokens.py gen   --sdk DIR --tf-provider provider.go --out tokens_gen.go
  tokens.py check --sdk DIR --schema schema.json     # tfgen's schema against the Python SDK
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys

# TF module part -> Pulumi module
MODULE_ALIASES = {"fw": "firewall", "lb": "loadbalancer", "db": "database", "taas": "networking"}

# Names the rule cannot guess (typos kept by the SDK for compatibility, index-module leftovers, a TF data
# source Pulumi renamed to avoid a clash). Each is checked to exist in the SDK.
OVERRIDES = {
    "resources": {
        "openstack_blockstorage_quotaset_v3": "openstack:blockstorage/quoteSetV3:QuoteSetV3",
        "openstack_taas_tap_mirror_v2": "openstack:index/taasTapMirrorV2:TaasTapMirrorV2",
    },
    "datasources": {
        "openstack_dns_zone_v2": "openstack:dns/getDnsZone:getDnsZone",
        "openstack_loadbalancer_flavor_v2": "openstack:loadbalancer/getLbFlavorDeprecated:getLbFlavorDeprecated",
        "openstack_sharedfilesystem_availability_zones_v2": (
            "openstack:sharedfilesystem/getAvailbilityZones:getAvailbilityZones"
        ),
        "openstack_workflow_workflow_v2": "openstack:index/getWorkflowWorkflowV2:getWorkflowWorkflowV2",
    },
}

# Terraform attributes the Python SDK exposes under another name: (TF resource, TF field, Pulumi name,
# the Python property that proves it).
FIELD_RENAMES = [
    ("openstack_orchestration_stack_v1", "outputs", "stackOutputs", "stack_outputs"),
]

RESOURCE_TOKEN = re.compile(r"\n\s+'(openstack:[^']+)',\n\s+resource_name")
INVOKE_TOKEN = re.compile(r"pulumi\.runtime\.invoke(?:_output)?\('(openstack:[^']+)'")
TF_ENTRY = re.compile(r'^\s+"(openstack_[a-z0-9_]+)":', re.M)


def fail(msg: str) -> None:
    print(f"tokens.py: {msg}", file=sys.stderr)
    sys.exit(1)


def sdk_files(sdk: str) -> dict[str, str]:
    files = sorted(glob.glob(os.path.join(sdk, "**", "*.py"), recursive=True))
    if not files:
        fail(f"no Python files under {sdk}")
    return {f: open(f, encoding="utf-8").read() for f in files}


def sdk_tokens(sources: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(resource token -> file, invoke token -> file) of the Python SDK."""
    res: dict[str, str] = {}
    inv: dict[str, str] = {}
    for f, src in sources.items():
        for t in RESOURCE_TOKEN.findall(src):
            res[t] = f
        for t in INVOKE_TOKEN.findall(src):
            inv[t] = f
    return res, inv


def tf_names(provider_go: str) -> tuple[list[str], list[str]]:
    src = open(provider_go, encoding="utf-8").read()
    if src.count("DataSourcesMap:") != 1 or src.count("ResourcesMap:") != 1:
        fail(f"{provider_go}: expected one DataSourcesMap and one ResourcesMap literal")
    ds_at, res_at = src.index("DataSourcesMap:"), src.index("ResourcesMap:")

    def block(start: int) -> str:
        end = src.find("\n\t\t},", start)
        return src[start:end]

    return TF_ENTRY.findall(block(res_at)), TF_ENTRY.findall(block(ds_at))


def match(names: list[str], tokens: list[str], kind: str) -> dict[str, str]:
    datasource = kind == "datasources"
    index: dict[str, dict[str, str]] = {}
    for t in tokens:
        _, mod_file, name = t.split(":")
        index.setdefault(mod_file.split("/")[0], {})[name.lower()] = t
    out: dict[str, str] = {}
    missing = []
    for n in names:
        if n in OVERRIDES[kind]:
            out[n] = OVERRIDES[kind][n]
            continue
        m = re.match(r"openstack_([a-z]+)_?(.*?)_?(v\d)?$", n)
        if not m:
            missing.append(n)
            continue
        mod, rest, ver = m.group(1), m.group(2), m.group(3) or ""
        r = rest.replace("_", "")
        base = [r, r + ver, (r or mod) + ver, (r or mod)]
        cands = ["get" + c for c in base] if datasource else base
        if mod == "objectstorage" and rest == "object":
            cands.insert(0, "containerobject")
        hit = next((index.get(MODULE_ALIASES.get(mod, mod), {}).get(c) for c in cands
                    if c in index.get(MODULE_ALIASES.get(mod, mod), {})), None)
        if hit:
            out[n] = hit
        else:
            missing.append(n)
    if missing:
        fail(f"no Python SDK token for {kind} {', '.join(missing)} (add them to OVERRIDES)")
    unknown = sorted(set(out.values()) - set(tokens))
    if unknown:
        fail(f"OVERRIDES name tokens the Python SDK lacks: {', '.join(unknown)}")
    seen: dict[str, str] = {}
    for n, t in out.items():
        if t in seen:
            fail(f"token {t} matched twice ({seen[t]}, {n})")
        seen[t] = n
    return out


def cmd_gen(args: argparse.Namespace) -> None:
    sources = sdk_files(args.sdk)
    res_tok, inv_tok = sdk_tokens(sources)
    tf_res, tf_ds = tf_names(args.tf_provider)
    res = match(tf_res, sorted(res_tok), "resources")
    ds = match(tf_ds, sorted(inv_tok), "datasources")
    fields: dict[str, dict[str, str]] = {}
    for tf, field, name, pyprop in FIELD_RENAMES:
        if tf not in res or f'"{pyprop}"' not in sources[res_tok[res[tf]]]:
            fail(f"field rename {tf}.{field} -> {name}: no Python property {pyprop}")
        fields.setdefault(tf, {})[field] = name
    lines = [
        "// Code generated by scripts/engine/provider/tokens.py from the Python SDK pulumi_openstack",
        "// and terraform-provider-openstack's provider.go. DO NOT EDIT.",
        "",
        "package info",
        "",
        'import "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"',
        "",
        "func Resources() map[string]*tfbridge.ResourceInfo {",
        "\treturn map[string]*tfbridge.ResourceInfo{",
    ]
    for n in sorted(res):
        extra = ""
        if n in fields:
            extra = ", Fields: map[string]*tfbridge.SchemaInfo{" + ", ".join(
                f'"{f}": {{Name: "{p}"}}' for f, p in sorted(fields[n].items())) + "}"
        lines.append(f'\t\t"{n}": {{Tok: "{res[n]}"{extra}}},')
    lines += ["\t}", "}", "", "func DataSources() map[string]*tfbridge.DataSourceInfo {",
              "\treturn map[string]*tfbridge.DataSourceInfo{"]
    lines += [f'\t\t"{n}": {{Tok: "{ds[n]}"}},' for n in sorted(ds)]
    lines += ["\t}", "}", ""]
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    os.replace(tmp, args.out)
    unused_res = sorted(set(res_tok) - set(res.values()))
    unused_inv = sorted(set(inv_tok) - set(ds.values()))
    print(f"Python SDK tokens left unused (deprecated aliases): {unused_res + unused_inv}")
    print(f"mapped {len(res)} resources, {len(ds)} data sources ({len(unused_res) + len(unused_inv)} aliases unused)")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def cmd_check(args: argparse.Namespace) -> None:
    """Every schema resource/function has its Python class/invoke with the same property names."""
    sources = sdk_files(args.sdk)
    res_tok, inv_tok = sdk_tokens(sources)
    schema = json.load(open(args.schema, encoding="utf-8"))
    problems = []
    for tok, r in sorted(schema.get("resources", {}).items()):
        if tok not in res_tok:
            problems.append(f"no Python class for {tok}")
            continue
        py = set(re.findall(r'__props__\.__dict__\["([a-z0-9_]+)"\]', sources[res_tok[tok]]))
        sch = {snake(k) for k in list(r.get("inputProperties", {})) + list(r.get("properties", {}))}
        if py != sch:
            problems.append(f"{tok}: Python-only {sorted(py - sch)}, schema-only {sorted(sch - py)}")
    for tok, fn in sorted(schema.get("functions", {}).items()):
        if tok.startswith("pulumi:providers:"):
            continue  # the provider's own terraformConfig method
        if tok not in inv_tok:
            problems.append(f"no Python invoke for {tok}")
            continue
        py = set(re.findall(r"__args__\['([A-Za-z0-9]+)'\]", sources[inv_tok[tok]]))
        sch = set((fn.get("inputs") or {}).get("properties", {}))
        if py != sch:
            problems.append(f"{tok}: Python-only {sorted(py - sch)}, schema-only {sorted(sch - py)}")
    if problems:
        fail(f"schema disagrees with the Python SDK ({len(problems)}): " + "; ".join(problems[:5]))
    print(f"schema agrees with SDK: {len(schema.get('resources', {}))} resources, "
          f"{len(schema.get('functions', {}))} functions")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--sdk", required=True)
    g.add_argument("--tf-provider", required=True)
    g.add_argument("--out", required=True)
    c = sub.add_parser("check")
    c.add_argument("--sdk", required=True)
    c.add_argument("--schema", required=True)
    args = ap.parse_args()
    {"gen": cmd_gen, "check": cmd_check}[args.cmd](args)


if __name__ == "__main__":
    main()
