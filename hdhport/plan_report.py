"""Write a recorded plan as plan.json (machines), plan.md (people, with a Mermaid diagram) and plan.dot
(+ plan.svg when Graphviz is installed)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from hdhport.planner import COMPUTED, REDACTED, PlanResult

PLAN_VERSION = 1

# ------------------------------------------------------------------------------------------ redaction
# A plan is shared (CI artefacts, reviews), so a secret never reaches plan.json, plan.md or plan.dot, whether
# the stack file holds it in clear or the program passes it on without marking it secret. Two rules:
#
# 1. By what the key names. The key's last word (its head noun) decides: `vpnSharedKey`, `tlsPrivateKey`,
#    `openstack:token`, `clientSecret`, `sasToken`, `databaseOwnerPassword`, `connectionString`, `passwordWo`
#    are secrets. A key whose last word is something else is about a secret, not one: a reference or an id
#    (`keyRef`, `key_ref`, `tlsContainerRef`, `keyVaultId`, `keyVaultSecretId`, `secretRef`, `kmsMasterKeyId`,
#    `primaryKeyURI`), a setting (`secretType`, `keySize`, `passwordAuth`, `workloadCredentialExpiry`), or a
#    flag (`hasSshPassword`, `allowSharedKeyAccess`); those stay readable, since the plan is reviewed for them.
#    A key is a secret only with a qualifier that makes it one (`shared`, `private`, `access`, `account`...):
#    `adminSshPublicKey`, `publicKey`, `keyData` (an SSH public key), `activeKey` (a Key Vault key reference),
#    `partitionKey` stay. Certificates (`tlsCertificate`, `tlsIntermediates`) are public by design.
# 2. By what the value holds, wherever it is (config, resource inputs and outputs, warnings): a PEM private
#    key block, the password of a URL (`https://user:[secret]@host`), a SAS signature or token in a query
#    string (`sig=[secret]`), a key or password of a connection string (`AccountKey=[secret]`).
# A Pulumi secret is redacted by the planner already; a `{secure: ...}` value of a stack file too, here.

_SECRET_NOUNS = frozenset({"password", "passwd", "pwd", "passphrase", "secret", "token", "credential",
                           "credentials", "psk", "sas"})
_KEY_QUALIFIERS = frozenset({"private", "shared", "preshared", "access", "secret", "account", "api", "master",
                             "primary", "secondary", "storage", "signing", "client", "auth", "admin", "root",
                             "subscription", "hmac", "symmetric", "session"})
_FLAG_WORDS = frozenset({"has", "is", "enable", "enabled", "disable", "disabled", "allow", "use", "sync",
                         "require", "required"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_PEM_PRIVATE_KEY = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)",
                              re.DOTALL)
# A value that is a placeholder filled at boot (`$password`, `${x}`, `$(hdh-secret ...)`, printf's `%s`) is
# what the program wants, not a secret: cloud-init scripts stay readable.
_PLACEHOLDER = r"(?![$<{(\[]|%s\b)"
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):" + _PLACEHOLDER + r"[^@\s/]+@")
_QUERY_SECRET = re.compile(r"(?i)((?:^|[?&;\s])(?:sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential|"
                           r"token|access_token|api[-_]?key|password|secret)=)" + _PLACEHOLDER + r"[^&;\s#\"']+")
_CONNECTION_SECRET = re.compile(r"(?i)\b((?:Account|SharedAccess|Primary|Secondary)Key|SharedAccessSignature|"
                                r"Password|Pwd)=" + _PLACEHOLDER + r"[^;\s\"']+")


def is_secret_key(key: str) -> bool:
    """Whether a config key or input property names a secret value (rule 1 above)."""
    words = [w.lower() for w in _WORD.findall(key.rsplit(":", 1)[-1])]
    if words and words[-1] == "wo":  # Pulumi's write-only twin of a property: passwordWo is a password
        words.pop()
    if not words or words[0] in _FLAG_WORDS:  # hasSshPassword, allowSharedKeyAccess: a flag about a secret
        return False
    last, before = words[-1], words[-2] if len(words) > 1 else ""
    return (last in _SECRET_NOUNS or (last in ("key", "keys") and before in _KEY_QUALIFIERS)
            or (last, before) in {("string", "connection"), ("signature", "access")})


def redact_text(text: str) -> str:
    """A string with the secrets its value shows replaced (rule 2 above)."""
    if "-----BEGIN" in text:
        text = _PEM_PRIVATE_KEY.sub(REDACTED, text)
    if "@" in text:
        text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
    if "=" in text:
        text = _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
        text = _CONNECTION_SECRET.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return text


def redact(value: Any, secret: bool = False) -> Any:
    """A copy of `value` with every secret replaced by "[secret]": strings under a secret key (and everything
    inside one), `{secure: ...}` ciphertexts, and what the value patterns find in any other string. Numbers
    and booleans are never secrets (`hasSshPassword: true`)."""
    if isinstance(value, dict):
        if len(value) == 1 and "secure" in value:
            return REDACTED
        return {k: redact(v, secret or (isinstance(k, str) and is_secret_key(k))) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, secret) for v in value]
    if isinstance(value, str):
        if secret and value not in ("", COMPUTED, REDACTED):
            return REDACTED
        return redact_text(value)
    return value


def _component_of(result: PlanResult) -> dict[str, str]:
    """urn -> urn of the top-level hdh component (service or enclave) that owns it."""
    by_urn = result.by_urn()
    owner: dict[str, str] = {}
    for resource in result.resources:
        current = resource
        while current.parent in by_urn:
            current = by_urn[current.parent]
        owner[resource.urn] = current.urn
    return owner


def to_document(result: PlanResult) -> dict[str, Any]:
    outputs = result.stack_outputs
    resolutions: dict[str, Any] = outputs.get("resolutions") or {}
    services_out: dict[str, Any] = outputs.get("services") or {}
    tops = {r.name: r for r in result.resources if r.type.startswith("hdh:") and "$hdh:" not in r.urn}
    owner = _component_of(result)
    counts = Counter(owner[r.urn] for r in result.resources if r.custom)
    services = []
    for service_id, resolution in resolutions.items():
        component = tops.get(service_id.replace("_", "-"))
        services.append({
            "id": service_id,
            "resolution": resolution.get("way"),
            "implementation_family": resolution.get("family"),
            "product": resolution.get("product"),
            "reason": resolution.get("reason"),
            "component": component.urn if component else None,
            "component_type": component.type if component else None,
            "resources": counts.get(component.urn, 0) if component else 0,
            "outputs": services_out.get(service_id),
        })
    document: dict[str, Any] = redact({
        "version": PLAN_VERSION,
        "stack": result.stack,
        "profile": outputs.get("profile"),
        "config": dict(result.config),
        "summary": {
            "resources": sum(1 for r in result.resources if r.custom),
            "components": sum(1 for r in result.resources if not r.custom),
            "by_resolution": dict(Counter(s["resolution"] for s in services)),
            "by_type": dict(sorted(Counter(r.type for r in result.resources if r.custom).items())),
            "protected": sum(1 for r in result.resources if r.protect),
            "enclaves": sorted((outputs.get("enclaves") or {}).keys()),
        },
        "warnings": list(result.warnings),
        # What the stack must give first: `pulumi up` refuses it while a blocking one is unmet.
        "prerequisites": [p.as_dict() for p in result.prerequisites],
        "services": services,
        "resources": [{
            "urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent, "custom": r.custom,
            "protect": r.protect, "retain_on_delete": r.retain_on_delete, "read": r.read,
            "ignore_changes": r.ignore_changes, "dependencies": r.dependencies, "inputs": r.inputs,
            **({"outputs": r.outputs} if not r.custom else {}),
        } for r in result.resources],
    })
    return document


def _service_edges(document: dict[str, Any]) -> set[tuple[str, str]]:
    """service -> service it depends on, from resource dependencies across components."""
    component_service = {s["component"]: s["id"] for s in document["services"] if s["component"]}
    by_urn = {r["urn"]: r for r in document["resources"]}

    def service_of(urn: str) -> str | None:
        while urn in by_urn:
            if urn in component_service:
                return str(component_service[urn])
            urn = by_urn[urn]["parent"]
        return None

    edges = set()
    for resource in document["resources"]:
        source = service_of(resource["urn"])
        for dependency in resource["dependencies"]:
            target = service_of(dependency)
            if source and target and source != target:
                edges.add((source, target))
    return edges


def to_markdown(document: dict[str, Any], families: dict[str, str]) -> str:
    summary = document["summary"]
    lines = [f"# Plan of stack `{document['stack']}` (profile `{document['profile']}`)", "",
             f"{summary['resources']} resources in {summary['components']} components; "
             f"{summary['protected']} protected; resolutions: "
             + ", ".join(f"{k} {v}" for k, v in sorted(summary["by_resolution"].items()))
             + f"; enclaves: {len(summary['enclaves'])}.", ""]
    needed = [p for p in document["prerequisites"] if p["blocking"]]
    if needed:
        lines += ["## Before `pulumi up`: what the stack must give", "",
                  "`pulumi up` refuses this stack, before its first resource, until it gives them:", ""]
        lines += [f"- {p['message']}" for p in needed] + [""]
    chosen = [p for p in document["prerequisites"] if not p["blocking"]]
    if chosen:
        lines += ["## Left to the operator", ""] + [f"- {p['message']}" for p in chosen] + [""]
    if document["warnings"]:
        lines += ["## Warnings from the program", ""] + [f"- {w}" for w in document["warnings"]] + [""]
    gaps = [s for s in document["services"] if s["resolution"] == "gap"]
    if gaps:
        lines += ["## Gaps", ""] + [f"- **{s['id']}**: {s['reason']}" for s in gaps] + [""]
    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for service in document["services"]:
        by_family[families.get(service["id"], "other")].append(service)
    lines += ["## Services", ""]
    for family, services in sorted(by_family.items()):
        lines += [f"### {family}", "", "| service | resolution | product | resources | why |", "|---|---|---|---|---|"]
        lines += [f"| {s['id']} | {s['resolution']} | {s['product'] or ''} | {s['resources']} | {s['reason']} |"
                  for s in services]
        lines.append("")
    lines += ["## Diagram", "", "```mermaid", "flowchart LR"]
    for family, services in sorted(by_family.items()):
        lines.append(f"  subgraph {family}")
        lines += [f"    {s['id']}[\"{s['id']}<br/>{s['resolution']}\"]" for s in services]
        lines.append("  end")
    lines += [f"  {a} --> {b}" for a, b in sorted(_service_edges(document))]
    lines += ["```", "", "## Resource types", "", "| type | count |", "|---|---|"]
    lines += [f"| `{t}` | {n} |" for t, n in summary["by_type"].items()]
    return "\n".join(lines) + "\n"


_COLOURS = {"native": "#cfe8cf", "self-hosted": "#fde8b0", "gap": "#f4c2c2"}


def to_dot(document: dict[str, Any], families: dict[str, str]) -> str:
    lines = ["digraph plan {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontname="Helvetica"];']
    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for service in document["services"]:
        by_family[families.get(service["id"], "other")].append(service)
    for family, services in sorted(by_family.items()):
        lines.append(f'  subgraph "cluster_{family}" {{ label="{family}";')
        for s in services:
            colour = _COLOURS.get(s["resolution"], "#ffffff")
            lines.append(f'    "{s["id"]}" [label="{s["id"]}\\n{s["resolution"]} ({s["resources"]})", '
                         f'fillcolor="{colour}"];')
        lines.append("  }")
    lines += [f'  "{a}" -> "{b}";' for a, b in sorted(_service_edges(document))]
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(result: PlanResult, out: Path, families: dict[str, str],
          document: dict[str, Any] | None = None) -> list[Path]:
    """Write the plan files into `out` (from `document`, when the caller has already built it); returns
    what was written."""
    from hdhport.outputs import replacing, write_atomic

    document = document if document is not None else to_document(result)
    written = []
    for name, text in (("plan.json", json.dumps(document, indent=1, ensure_ascii=False, default=str) + "\n"),
                       ("plan.md", to_markdown(document, families)),
                       ("plan.dot", to_dot(document, families))):
        written.append(write_atomic(out / name, text))  # a full disk leaves no half-written plan
    dot = shutil.which("dot")
    if dot:
        svg = out / "plan.svg"
        with replacing(svg) as temporary:
            subprocess.run([dot, "-Tsvg", str(out / "plan.dot"), "-o", str(temporary)], check=True,
                           capture_output=True)
        written.append(svg)
    return written


#: The files `write` puts in a plan's directory.
PLAN_FILES = ("plan.json", "plan.md", "plan.dot", "plan.svg")
