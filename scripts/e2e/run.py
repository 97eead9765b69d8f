"""End-to-end: a real `pulumi up` of the platform, one enclave, on the local OpenStack cloud (`make e2e`).

The real Pulumi engine (`make engine`: CLI v3.274.0 and our bridged pulumi-resource-openstack 5.5.3) runs
infra.program.main as an Automation API inline program (there is no Python language host), as the cloud's
non-admin user hdh-deployer (.tools/cloud/hdh-openrc), stack `local-openstack` (Pulumi.local-openstack.yaml).
State lives in the cloud's own Swift through its S3 API (bucket made with the deployer's EC2 credentials),
secrets with the passphrase provider (.tools/e2e/passphrase, made once, mode 600).

Steps, each timed, results in .tools/e2e/results.json:
  preview  -> compared with the offline plan (`hdhport plan --stack local-openstack --enclaves 1`):
              type, name, parent and protect of every resource
  up       -> every resource the stack reports is looked up through OpenStack's own REST API
  up again -> must change nothing
  refresh  -> must find no drift (or lists it)
  destroy  -> must not delete anything holding data: protected resources refuse; they must still exist
  teardown -> (unless --keep) unprotect, clear retainOnDelete, destroy for real, so the next run starts clean

Usage: .venv/bin/python scripts/e2e/run.py [--manage-cloud] [--keep] [--teardown-only]
  --manage-cloud  start the cloud (scripts/cloud/up.sh) when it does not answer, and stop it (down.sh,
                  by the process-group ids up.sh recorded) at the end if this run started it
Exit 0 when every check holds, 1 otherwise.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import json
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ENGINE = ROOT / ".tools" / "engine"
CLOUD = ROOT / ".tools" / "cloud"
E2E = ROOT / ".tools" / "e2e"
WORK = E2E / "work"
STACK = "local-openstack"
#: An enclaves-only stack reading the platform stack's outputs (hdh:platformStack), as hundreds of projects are run.
ENCLAVE_STACK = f"{STACK}-enclaves-01"
PROJECT = "hdhport"
BUCKET = "hdhport-state"
S3_ENDPOINT = "http://127.0.0.1:8080"
S3_REGION = "gra"
BACKEND = ("s3://" + BUCKET + "?" + urllib.parse.urlencode({
    "endpoint": S3_ENDPOINT, "region": S3_REGION, "s3ForcePathStyle": "true",
    # Swift's s3api checks no CRC trailers: only the checksums S3 requires
    "request_checksum_calculation": "when_required", "response_checksum_validation": "when_required"}))

#: The figures of the last passing run, kept with the code (the full log stays in .tools/e2e/results.json).
FIGURES = ROOT / "bench" / "e2e-results.json"

results: dict[str, Any] = {"steps": {}, "checks": {}, "fixes_needed": []}
failures: list[str] = []


def figures(run: dict[str, Any]) -> dict[str, Any]:
    """What a passing run measured: each step's seconds and counts, the checks' counts, the memory."""
    steps = {name: {key: value for key, value in step.items()
                    if key in ("seconds", "resources", "cloud_resources", "protected", "deleted", "left")}
             for name, step in run["steps"].items()}
    comparison = run["checks"].get("preview_vs_plan", {})
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "stack": STACK, "enclaves": 1,
            "machine": {"cpus": os.cpu_count()}, "steps": steps,
            "checks": {"preview_and_plan_in_both": comparison.get("common"),
                       "found_after_up": run["checks"].get("exist_after_up", {}).get("found"),
                       "machines_named": run["checks"].get("machine_names", {}).get("named"),
                       "found_after_enclave_up": run["checks"].get("exist_after_enclave_up", {}).get("found"),
                       "protected_after_destroy": run["checks"].get("protected_after_destroy", {}).get("found")},
            "memory_mib": run.get("memory_mib")}


def log(msg: str) -> None:
    print(f"[e2e {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def fail(msg: str) -> None:
    failures.append(msg)
    log("FAIL " + msg)


# --- the cloud: credentials, REST ----------------------------------------------------------------------------

def openrc(name: str = "hdh-openrc") -> dict[str, str]:
    env = {}
    for line in (CLOUD / name).read_text().splitlines():
        m = re.match(r"^export (OS_[A-Z_]+)=(.*)$", line.strip())
        if m:
            env[m.group(1)] = m.group(2).strip("'\"")
    return env


class Cloud:
    """Keystone token of the deployer, the catalogue's public endpoints in its region, plain REST."""

    def __init__(self, os_env: dict[str, str]) -> None:
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": os_env["OS_USERNAME"], "domain": {"name": os_env.get("OS_USER_DOMAIN_NAME", "Default")},
            "password": os_env["OS_PASSWORD"]}}}, "scope": {"project": {
                "name": os_env["OS_PROJECT_NAME"], "domain": {"name": os_env.get("OS_PROJECT_DOMAIN_NAME", "Default")}}}}}
        req = urllib.request.Request(os_env["OS_AUTH_URL"].rstrip("/") + "/auth/tokens", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.token = resp.headers["X-Subject-Token"]
            data = json.load(resp)["token"]
        self.user_id = data["user"]["id"]
        self.project_id = data["project"]["id"]
        region = os_env.get("OS_REGION_NAME")
        self.endpoints = {s["type"]: e["url"].rstrip("/") for s in data["catalog"] for e in s["endpoints"]
                          if e["interface"] == "public" and (region is None or e["region_id"] == region)}

    def call(self, method: str, service: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        url = path if path.startswith("http") else self.endpoints[service] + path
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data, {"X-Auth-Token": self.token, "Content-Type": "application/json",
                                                 "Accept": "application/json", **(headers or {})}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw and raw[:1] in b"{[" else raw)
        except urllib.error.HTTPError as err:
            return err.code, err.read()[:300]


def cloud_answers() -> bool:
    try:
        urllib.request.urlopen("http://127.0.0.1:5000/v3", timeout=5)
        return True
    except Exception:
        return False


# --- the state backend: a bucket in the cloud's Swift through S3 ------------------------------------------------

def ec2_credentials(cloud: Cloud) -> tuple[str, str]:
    """The deployer's EC2 credentials for its project (made once, as the user itself: no admin)."""
    status, body = cloud.call("GET", "identity", f"/users/{cloud.user_id}/credentials/OS-EC2")
    if status != 200:
        raise SystemExit(f"cannot list EC2 credentials: {status} {body!r}")
    for cred in body["credentials"]:
        if cred["tenant_id"] == cloud.project_id:
            return cred["access"], cred["secret"]
    status, body = cloud.call("POST", "identity", f"/users/{cloud.user_id}/credentials/OS-EC2",
                              {"tenant_id": cloud.project_id})
    if status not in (200, 201):
        raise SystemExit(f"cannot create EC2 credentials: {status} {body!r}")
    return body["credential"]["access"], body["credential"]["secret"]


def s3_put_bucket(access: str, secret: str) -> int:
    """PUT the bucket with a hand-made AWS SigV4 signature (no boto3 in the venv). 200 new, 409 ours already."""
    host = urllib.parse.urlparse(S3_ENDPOINT).netloc
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(b"").hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["PUT", f"/{BUCKET}", "", "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
                           signed, payload])
    scope = f"{day}/{S3_REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (day, S3_REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    auth = f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={signed}, Signature={signature}"
    req = urllib.request.Request(f"{S3_ENDPOINT}/{BUCKET}", b"", method="PUT", headers={
        "x-amz-content-sha256": payload, "x-amz-date": amz_date, "Authorization": auth})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        body = err.read()
        if err.code == 409 and b"BucketAlreadyOwnedByYou" in body:
            return 409
        raise SystemExit(f"S3 PUT bucket {BUCKET}: {err.code} {body[:300]!r}") from err


# --- existence of each resource the stack reports, through OpenStack's own API -----------------------------------

LBAAS = "/v2/lbaas"
#: What holds data (or the key to it): destroy must never delete one from the cloud.
DATA_TYPES = frozenset({
    "openstack:blockstorage/volume:Volume", "openstack:objectstorage/container:Container",
    "openstack:sharedfilesystem/share:Share", "openstack:keymanager/orderV1:OrderV1",
    "openstack:keymanager/secretV1:SecretV1", "openstack:keymanager/containerV1:ContainerV1",
    "openstack:images/image:Image"})
PATHS: dict[str, tuple[str, str]] = {
    "openstack:networking/network:Network": ("network", "/v2.0/networks/{id}"),
    "openstack:networking/subnet:Subnet": ("network", "/v2.0/subnets/{id}"),
    "openstack:networking/router:Router": ("network", "/v2.0/routers/{id}"),
    "openstack:networking/routerInterface:RouterInterface": ("network", "/v2.0/ports/{id}"),
    "openstack:networking/port:Port": ("network", "/v2.0/ports/{id}"),
    "openstack:networking/secGroup:SecGroup": ("network", "/v2.0/security-groups/{id}"),
    "openstack:networking/secGroupRule:SecGroupRule": ("network", "/v2.0/security-group-rules/{id}"),
    "openstack:networking/floatingIp:FloatingIp": ("network", "/v2.0/floatingips/{id}"),
    "openstack:compute/instance:Instance": ("compute", "/servers/{id}"),
    "openstack:compute/keypair:Keypair": ("compute", "/os-keypairs/{id}"),
    "openstack:compute/serverGroup:ServerGroup": ("compute", "/os-server-groups/{id}"),
    "openstack:blockstorage/volume:Volume": ("volumev3", "/volumes/{id}"),
    "openstack:keymanager/orderV1:OrderV1": ("key-manager", "/v1/orders/{id}"),
    "openstack:keymanager/secretV1:SecretV1": ("key-manager", "/v1/secrets/{id}"),
    "openstack:keymanager/containerV1:ContainerV1": ("key-manager", "/v1/containers/{id}"),
    "openstack:objectstorage/container:Container": ("object-store", "/{id}"),
    "openstack:sharedfilesystem/share:Share": ("sharev2", "/shares/{id}"),
    "openstack:sharedfilesystem/shareNetwork:ShareNetwork": ("sharev2", "/share-networks/{id}"),
    "openstack:sharedfilesystem/shareAccess:ShareAccess": ("sharev2", "/share-access-rules/{id}"),
    "openstack:loadbalancer/loadBalancer:LoadBalancer": ("load-balancer", LBAAS + "/loadbalancers/{id}"),
    "openstack:loadbalancer/listener:Listener": ("load-balancer", LBAAS + "/listeners/{id}"),
    "openstack:loadbalancer/pool:Pool": ("load-balancer", LBAAS + "/pools/{id}"),
    "openstack:loadbalancer/monitor:Monitor": ("load-balancer", LBAAS + "/healthmonitors/{id}"),
    "openstack:images/image:Image": ("image", "/v2/images/{id}"),
}


def exists(cloud: Cloud, res: dict[str, Any]) -> tuple[bool, str]:
    """Ask the service that owns it; (found, what was asked and answered)."""
    type_, rid, out = res["type"], res.get("id", ""), res.get("outputs", {})
    if rid.startswith("http"):  # Barbican refs
        rid = rid.rsplit("/", 1)[-1]
    headers = {"X-OpenStack-Manila-API-Version": "2.45"} if type_.startswith("openstack:sharedfilesystem") else None
    if type_ == "openstack:networking/routerRoute:RouterRoute":
        status, body = cloud.call("GET", "network", f"/v2.0/routers/{out.get('routerId')}")
        routes = body.get("router", {}).get("routes", []) if status == 200 else []
        want = {"destination": out.get("destinationCidr"), "nexthop": out.get("nextHop")}
        return want in routes, f"router {out.get('routerId')} routes {routes}"
    if type_ == "openstack:compute/volumeAttach:VolumeAttach":
        server, volume = rid.split("/", 1)
        path = ("compute", f"/servers/{server}/os-volume_attachments/{volume}")
    elif type_ == "openstack:loadbalancer/member:Member":
        path = ("load-balancer", f"{LBAAS}/pools/{out.get('poolId')}/members/{rid}")
    elif type_ == "openstack:identity/applicationCredential:ApplicationCredential":
        path = ("identity", f"/users/{cloud.user_id}/application_credentials/{rid}")
    elif type_ in PATHS:
        service, template = PATHS[type_]
        path = (service, template.format(id=urllib.parse.quote(rid)))
    else:
        return False, "no existence check known for this type"
    method = "HEAD" if type_ == "openstack:objectstorage/container:Container" else "GET"
    status, body = cloud.call(method, path[0], path[1], headers=headers)
    state = ""
    if status == 200 and isinstance(body, dict) and len(body) == 1:
        inner = next(iter(body.values()))
        if isinstance(inner, dict):
            state = inner.get("status") or inner.get("provisioning_status") or ""
    ok = status in (200, 204) and str(state).lower() not in ("deleting", "deleted", "error_deleting", "pending_delete")
    return ok, f"{method} {path[0]}{path[1]} -> {status}{' ' + str(state) if state else ''}"


def cloud_resources(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in deployment.get("resources", [])
            if r.get("custom") and not r["type"].startswith("pulumi:") and r["type"].startswith("openstack:")
            and not r.get("external")]


def check_existence(cloud: Cloud, deployment: dict[str, Any], label: str) -> dict[str, Any]:
    found, missing = 0, []
    for res in cloud_resources(deployment):
        ok, how = exists(cloud, res)
        if ok:
            found += 1
        else:
            missing.append({"urn": res["urn"], "id": res.get("id"), "asked": how})
    log(f"{label}: {found} resource(s) found in the cloud, {len(missing)} not")
    for m in missing:
        log(f"  missing {m['urn']} ({m['asked']})")
    return {"found": found, "missing": missing}


def check_machine_names(cloud: Cloud, deployment: dict[str, Any]) -> dict[str, Any]:
    """Every machine (self-hosted services' and research machines', all built by OpenStackIaas) is known to the
    network's DNS by its own name: its port's DNS assignment (what Neutron's DHCP server answers) is the server's
    name, not host-<address>."""
    named, wrong = 0, []
    ports = {r["urn"].rsplit("::", 1)[-1]: r for r in cloud_resources(deployment)
             if r["type"] == "openstack:networking/port:Port"}
    for server in (r for r in cloud_resources(deployment) if r["type"] == "openstack:compute/instance:Instance"):
        logical = server["urn"].rsplit("::", 1)[-1]
        if f"{logical}-port" not in ports:
            continue  # not built by OpenStackIaas (no port named after it): none is, today
        host = server.get("outputs", {}).get("name", "")
        status, body = cloud.call("GET", "network", f"/v2.0/ports?device_id={urllib.parse.quote(server.get('id', ''))}")
        assigned = sorted({a.get("hostname", "") for p in (body or {}).get("ports", []) if status == 200
                           for a in p.get("dns_assignment") or []})
        if assigned == [host]:
            named += 1
        else:
            wrong.append({"server": host, "dns_assignment": assigned, "status": status})
    log(f"machine names: {named} machine(s) known to the network's DNS by their name, {len(wrong)} not")
    for w in wrong:
        log(f"  {w['server']}: the network answers {w['dns_assignment'] or 'nothing'}")
    return {"named": named, "wrong": wrong}


# --- the engine -------------------------------------------------------------------------------------------------

def program() -> None:
    from infra.program import main

    main()


def write_stack_file(name: str, text: str) -> None:
    """WORK/Pulumi.<name>.yaml holding `text`, keeping the passphrase salt an earlier run wrote there."""
    WORK.mkdir(parents=True, exist_ok=True)
    target = WORK / f"Pulumi.{name}.yaml"
    salt = ""
    if target.exists():
        m = re.search(r"^encryptionsalt: .*$", target.read_text(), re.M)
        salt = m.group(0) + "\n" if m else ""
    target.write_text(salt + text)


#: The test bench's own key ceremony (docs/operations.md, "Trust anchors"): its keys stay in this folder.
CEREMONY = E2E / "ceremony"
#: The mirror the bench's machines are told to install from: a reserved name (RFC 2606) nothing answers, never
#: asked since Nova's fake driver boots nothing; `pulumi up` refuses a stack that names no mirror.
TEST_MIRROR = "https://artefacts.local-openstack.test/hdh"


def test_ceremony() -> dict[str, str]:
    """The trust anchors every machine of the stack needs, made once per test bench as HDH's key ceremony makes them:
    a root CA (P-384, ten years) and an archive signing key (gpg, ed25519), the private parts kept in CEREMONY (0700,
    never in the stack). `pulumi up` refuses a stack whose machines would have none (hdhport/prerequisites.py)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    CEREMONY.mkdir(parents=True, exist_ok=True)
    CEREMONY.chmod(0o700)
    root, armoured = CEREMONY / "root_ca.crt", CEREMONY / "archive.asc"
    now = datetime.datetime.now(datetime.timezone.utc)
    if not root.exists() or x509.load_pem_x509_certificate(root.read_bytes()).not_valid_after_utc < \
            now + datetime.timedelta(days=30):
        key = ec.generate_private_key(ec.SECP384R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "HDH platform root CA (local test bench)")])
        certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                       .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                       .not_valid_after(now + datetime.timedelta(days=3650))
                       .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
                       .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                      critical=True)
                       .sign(key, hashes.SHA384()))
        (CEREMONY / "root_ca.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (CEREMONY / "root_ca.key").chmod(0o600)
        root.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    if not armoured.exists():
        home = CEREMONY / "gnupg"
        home.mkdir(mode=0o700, exist_ok=True)
        env = {**os.environ, "GNUPGHOME": str(home)}
        uid = "HDH archive signing key (local test bench)"
        subprocess.run(["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign",
                        "5y"], env=env, check=True, capture_output=True)
        armoured.write_text(subprocess.run(["gpg", "--armor", "--export", uid], env=env, check=True,
                                           capture_output=True, text=True).stdout)
    return {"hdh:platformRootCa": root.read_text(), "hdh:archiveKeyring": armoured.read_text(),
            "hdh:artefactMirror": TEST_MIRROR}


def stack_config() -> dict[str, Any]:
    """The repo's Pulumi.local-openstack.yaml config, with the test bench's trust anchors."""
    import yaml

    return {**yaml.safe_load((ROOT / f"Pulumi.{STACK}.yaml").read_text())["config"], **test_ceremony()}


def prepare_work_dir() -> None:
    """The stack's config: the repo's Pulumi.local-openstack.yaml, with the bench's trust anchors."""
    import yaml

    write_stack_file(STACK, yaml.safe_dump({"config": stack_config()}, sort_keys=False))


def prepare_enclave_work_dir() -> None:
    """The enclave stack's config: the platform's, plus the stack it reads its placement from and its own project
    (project-002, the second /24 of the enclaves' range, after the platform stack's project-001)."""
    import yaml

    config = stack_config()
    config.update({"hdh:platformStack": f"organization/{PROJECT}/{STACK}", "hdh:enclaves": ["project-002"],
                   "hdh:firstEnclaveIndex": 1})
    write_stack_file(ENCLAVE_STACK, yaml.safe_dump({"config": config}, sort_keys=False))


def passphrase() -> str:
    path = E2E / "passphrase"
    if not path.exists():
        E2E.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def engine_env(os_env: dict[str, str], access: str, secret: str) -> dict[str, str]:
    return {**os_env,
            "AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": S3_REGION,
            "PULUMI_BACKEND_URL": BACKEND, "PULUMI_CONFIG_PASSPHRASE": passphrase(),
            "PULUMI_HOME": str(ENGINE / "pulumi-home"), "PULUMI_SKIP_UPDATE_CHECK": "1",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true"}


def open_stack(env: dict[str, str], name: str = STACK) -> Any:
    from pulumi import automation as auto

    opts = auto.LocalWorkspaceOptions(
        work_dir=str(WORK), pulumi_home=env["PULUMI_HOME"], env_vars=env, secrets_provider="passphrase",
        project_settings=auto.ProjectSettings(name=PROJECT, runtime="python",
                                              backend=auto.ProjectBackend(url=BACKEND)),
        pulumi_command=auto.PulumiCommand(root=str(ENGINE)))
    return auto.create_or_select_stack(stack_name=name, project_name=PROJECT, program=program, opts=opts)


def pulumi_cli(env: dict[str, str], *args: str, stack: str = STACK) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ENGINE / "bin" / "pulumi"), *args, "--stack", stack, "--non-interactive"],
                          cwd=WORK, env={**os.environ, **env}, text=True, capture_output=True)


class Timer:
    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> Timer:
        self.t0 = time.monotonic()
        results["steps"].setdefault(self.name, {})
        log(f"{self.name} ...")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = round(time.monotonic() - self.t0, 1)
        results["steps"].setdefault(self.name, {})["seconds"] = self.seconds
        log(f"{self.name}: {self.seconds} s{' (raised)' if exc[0] else ''}")


def printer(prefix: str) -> Any:
    path = E2E / f"{prefix}.log"
    handle = path.open("w")

    def on_output(line: str) -> None:
        handle.write(line.rstrip() + "\n")
        handle.flush()
    return on_output


# --- preview against the offline plan ------------------------------------------------------------------------------

def offline_plan() -> dict[str, dict[str, Any]]:
    out = E2E / "plan"
    subprocess.run([sys.executable, "-m", "hdhport.cli", "plan", "--stack", STACK, "--enclaves", "1",
                    "--out", str(out)], cwd=ROOT, check=True, capture_output=True, text=True)
    plan = json.loads((out / "plan.json").read_text())
    return {r["urn"]: r for r in plan["resources"]}


STACK_TYPE = "pulumi:pulumi:Stack"


def by_path(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Resources keyed by their place in the tree: each ancestor's type and name, down to their own.

    URNs cannot be compared as text: the SDK's mock engine (`hdhport plan`) builds a child's URN from its
    parent's type alone and puts the stack's type in it (`...::pulumi:pulumi:Stack$hdh:compute:CpuVm::cpu-vm`,
    `...::hdh:compute:CpuVm$openstack:...::project-001-cpu-vm-data`), while the real engine chains every
    ancestor's type and leaves the root stack out (`...::hdh:workspace:Enclave$hdh:compute:CpuVm$...`)."""
    def path(urn: str, seen: int = 0) -> str:
        res = resources.get(urn)
        if res is None or seen > 50:
            return ""
        own = f"{res['type']}::{urn.rsplit('::', 1)[-1]}"
        parent = path(res.get("parent") or "", seen + 1)
        return f"{parent} > {own}" if parent else own
    keyed = {}
    for urn, res in resources.items():
        if res["type"] == STACK_TYPE or res["type"].startswith("pulumi:providers:"):
            continue
        parent = res.get("parent") or ""
        keyed[path(urn)] = {**res, "urn": urn,
                            "parent_path": path(parent) if parent in resources else ""}
    return keyed


def compare(preview: dict[str, dict[str, Any]], plan: dict[str, dict[str, Any]]) -> dict[str, Any]:
    same_urn_text = len(set(preview) & set(plan))
    preview, plan = by_path(preview), by_path(plan)
    only_preview = sorted(u for u in preview if u not in plan)
    only_plan = sorted(u for u in plan if u not in preview)
    differ = []
    for key in sorted(set(preview) & set(plan)):
        p, q = preview[key], plan[key]
        for field, a, b in (("type", p["type"], q["type"]), ("parent", p["parent_path"], q["parent_path"]),
                            ("protect", bool(p.get("protect")), bool(q.get("protect")))):
            if a != b:
                differ.append({"resource": key, "field": field, "preview": a, "plan": b})
    return {"urns_equal_as_text": same_urn_text, "preview": len(preview), "plan": len(plan),
            "common": len(set(preview) & set(plan)),
            "only_in_preview": only_preview, "only_in_plan": only_plan, "differences": differ}


# --- main -----------------------------------------------------------------------------------------------------------

def purge_share_ports() -> int:
    """Ports Manila's test back end leaves behind its deleted shares (device owner manila:share): they would keep
    the subnets from being deleted (the provider waits ten minutes, then fails). Admin-owned, so deleted with
    the test bench's admin credentials; a real cloud's Manila removes its share servers' ports itself."""
    if not (CLOUD / "admin-openrc").exists():
        return 0
    admin = Cloud(openrc("admin-openrc"))
    status, body = admin.call("GET", "network", "/v2.0/ports?device_owner=manila:share")
    ports = [p["id"] for p in body.get("ports", [])] if status == 200 else []
    for port in ports:
        admin.call("DELETE", "network", f"/v2.0/ports/{port}")
    return len(ports)


def teardown(stack: Any, env: dict[str, str], name: str = STACK) -> None:
    """Unprotect everything, clear retainOnDelete, destroy: the test cloud is left as found."""
    step = "teardown" if name == STACK else f"teardown {name}"
    with Timer(step):
        r = pulumi_cli(env, "state", "unprotect", "--all", "--yes", stack=name)
        if r.returncode != 0:
            log("unprotect: " + r.stderr.strip()[-500:])
        cloud = Cloud(openrc())
        state = stack.export_stack()
        in_state = cloud_resources(state.deployment)
        # Boot volumes Nova made from the image (delete_on_termination off: they outlive the instance by
        # design, and are in no state): found through the instances, deleted after them
        boot: list[str] = []
        for res in in_state:
            if res["type"] == "openstack:compute/instance:Instance":
                status, body = cloud.call("GET", "compute", f"/servers/{res['id']}/os-volume_attachments")
                boot += [a["volumeId"] for a in body.get("volumeAttachments", [])] if status == 200 else []
        for res in state.deployment.get("resources", []):
            res.pop("retainOnDelete", None)
            res.pop("protect", None)
        stack.import_stack(state)
        # Shares first, then what Manila's test back end left of them, then the rest (their subnets among it).
        shares = [r["urn"] for r in state.deployment.get("resources", [])
                  if r.get("type", "").startswith("openstack:sharedfilesystem/")]
        if shares:
            stack.destroy(on_output=printer(f"{step.replace(' ', '-')}-shares"), target=shares,
                          target_dependents=True, continue_on_error=True)
            results["steps"][step]["share_ports_purged"] = purge_share_ports()
        down = stack.destroy(on_output=printer(step.replace(" ", "-")), continue_on_error=True)
        left = cloud_resources(stack.export_stack().deployment)
        results["steps"][step].update({"result": down.summary.result, "left_in_state": len(left)})
        still = [r for r in in_state if exists(cloud, r)[0]]
        results["steps"][step]["still_in_cloud_after_delete"] = [f"{r['type']} {r['id']}" for r in still]
        if still:
            log(f"teardown: {len(still)} resource(s) the engine reported deleted are still in the cloud: "
                + ", ".join(f"{r['type'].rsplit(':', 1)[-1]} {r['id']}" for r in still))
        for res in still:  # left by the provider: removed through the API so the next run starts clean
            service, template = PATHS.get(res["type"], ("", ""))
            if service:
                cloud.call("DELETE", service, template.format(id=res["id"]))
        for volume in boot:
            for _ in range(30):
                status, body = cloud.call("GET", "volumev3", f"/volumes/{volume}")
                if status == 404 or (status == 200 and body["volume"]["status"] == "available"):
                    break
                time.sleep(2)
            if status == 200:
                cloud.call("DELETE", "volumev3", f"/volumes/{volume}")
        results["steps"][step]["boot_volumes_deleted"] = len(boot)
        if left:
            fail(f"teardown left {len(left)} resource(s) in the state")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manage-cloud", action="store_true")
    parser.add_argument("--keep", action="store_true", help="leave the stack up (no teardown)")
    parser.add_argument("--teardown-only", action="store_true")
    args = parser.parse_args()
    os.chdir(ROOT)  # the stack's hdh:profile is a path relative to the repository
    E2E.mkdir(parents=True, exist_ok=True)

    started_cloud = False
    if not cloud_answers():
        if not args.manage_cloud:
            log("the local cloud does not answer: run `make cloud` first (or pass --manage-cloud)")
            return 1
        with Timer("cloud start"):
            subprocess.run([str(ROOT / "scripts/cloud/up.sh")], check=True)
        started_cloud = True
    try:
        return run(args)
    finally:
        results["failures"] = failures
        if started_cloud:
            with Timer("cloud stop"):
                subprocess.run([str(ROOT / "scripts/cloud/down.sh")], check=False)
        (E2E / "results.json").write_text(json.dumps(results, indent=2, default=str))
        log(f"results: {E2E / 'results.json'}")
        if not failures and "destroy" in results["steps"]:
            FIGURES.write_text(json.dumps(figures(results), indent=1) + "\n")
            log(f"figures: {FIGURES}")


def run(args: argparse.Namespace) -> int:
    os_env = openrc()
    os.environ.update(os_env)  # the inline program runs in this process: its own lookups need the credentials
    cloud = Cloud(os_env)
    access, secret = ec2_credentials(cloud)
    status = s3_put_bucket(access, secret)
    log(f"state backend: bucket {BUCKET} in Swift via S3 ({'created' if status == 200 else 'already there'})")
    env = engine_env(os_env, access, secret)
    os.environ.update(env)
    prepare_work_dir()
    stack = open_stack(env)
    results["backend"] = BACKEND
    # A run killed earlier leaves its lock in the backend, and every later command refuses the stack:
    # `pulumi cancel` removes it (and answers an error when there is none, which is fine).
    try:
        stack.cancel()
        log("pulumi cancel: no lock of an interrupted run is left")
    except Exception:  # noqa: BLE001 - some CLI versions answer an error when nothing is locked
        pass
    if args.teardown_only:
        prepare_enclave_work_dir()
        teardown(open_stack(env, ENCLAVE_STACK), env, ENCLAVE_STACK)  # its subnet is in the platform's network
        teardown(stack, env)
        return 0 if not failures else 1

    from pulumi.automation import errors as auto_errors

    # 1. preview, compared with the offline plan
    previewed: dict[str, dict[str, Any]] = {}

    def on_preview(event: Any) -> None:
        pre = getattr(event, "resource_pre_event", None)
        if pre is not None and pre.metadata.type != "pulumi:pulumi:Stack":
            state = pre.metadata.new or pre.metadata.old
            previewed[pre.metadata.urn] = {"type": pre.metadata.type, "op": str(pre.metadata.op),
                                           "parent": getattr(state, "parent", "") if state else "",
                                           "protect": getattr(state, "protect", False) if state else False}
    with Timer("preview"):
        preview = stack.preview(on_output=printer("preview"), on_event=on_preview)
    results["steps"]["preview"]["changes"] = preview.change_summary
    plan = offline_plan()
    comparison = compare(previewed, plan)
    results["checks"]["preview_vs_plan"] = comparison
    log(f"preview vs offline plan: {comparison['common']} in both, {len(comparison['only_in_preview'])} only in "
        f"the preview, {len(comparison['only_in_plan'])} only in the plan, {len(comparison['differences'])} field "
        "difference(s)")
    if comparison["only_in_preview"] or comparison["only_in_plan"] or comparison["differences"]:
        fail("the real preview and the offline plan differ (see results.json checks.preview_vs_plan)")

    # 2. up, every resource looked up in the cloud
    with Timer("up"):
        try:
            up = stack.up(on_output=printer("up"))
            results["steps"]["up"].update({"result": up.summary.result, "changes": up.summary.resource_changes})
        except auto_errors.CommandError as err:
            results["steps"]["up"]["error"] = str(err)[-3000:]
            fail("up failed (see .tools/e2e/up.log)")
    deployment = stack.export_stack().deployment
    custom = cloud_resources(deployment)
    results["steps"]["up"]["resources"] = len(deployment.get("resources", []))
    results["steps"]["up"]["cloud_resources"] = len(custom)
    results["steps"]["up"]["protected"] = sum(1 for r in custom if r.get("protect"))
    results["checks"]["exist_after_up"] = check_existence(cloud, deployment, "after up")
    if results["checks"]["exist_after_up"]["missing"]:
        fail("some resources the stack reports are not in the cloud")
    results["checks"]["machine_names"] = check_machine_names(cloud, deployment)
    if results["checks"]["machine_names"]["wrong"] or not results["checks"]["machine_names"]["named"]:
        fail("some machines are not known to the network's DNS by their name")
    if "error" in results["steps"]["up"]:
        return finish(stack, env, args)

    # 3. a second up changes nothing
    with Timer("up again"):
        again = stack.up(on_output=printer("up-again"))
    changes = again.summary.resource_changes or {}
    results["steps"]["up again"]["changes"] = changes
    if set(changes) - {"same"}:
        fail(f"the second up changed something: {changes}")

    # 4. refresh finds no drift
    drift: list[dict[str, Any]] = []

    def on_refresh(event: Any) -> None:
        out = getattr(event, "res_outputs_event", None)
        if out is not None and str(out.metadata.op) not in ("same", "OpType.SAME"):
            drift.append({"urn": out.metadata.urn, "op": str(out.metadata.op), "diffs": out.metadata.diffs})
    with Timer("refresh"):
        refresh = stack.refresh(on_output=printer("refresh"), on_event=on_refresh)
    results["steps"]["refresh"].update({"changes": refresh.summary.resource_changes, "drift": drift})
    if drift:
        fail(f"refresh found drift on {len(drift)} resource(s) (results.json steps.refresh.drift)")
    with Timer("preview after refresh"):
        after = stack.preview(on_output=printer("preview-after-refresh"))
    results["steps"]["preview after refresh"]["changes"] = after.change_summary
    if set(after.change_summary) - {"same"}:
        fail(f"a preview after refresh wants changes: {after.change_summary}")

    # 5. an enclaves-only stack reads the platform stack through hdh:platformStack (a StackReference) and deploys
    prepare_enclave_work_dir()
    enclaves = open_stack(env, ENCLAVE_STACK)
    with Timer("enclave stack up"):
        try:
            done = enclaves.up(on_output=printer("enclave-up"))
            results["steps"]["enclave stack up"].update({"result": done.summary.result,
                                                         "changes": done.summary.resource_changes})
        except auto_errors.CommandError as err:
            results["steps"]["enclave stack up"]["error"] = str(err)[-3000:]
            fail("the enclave stack's up failed (see .tools/e2e/enclave-up.log)")
    deployed = enclaves.export_stack().deployment
    results["steps"]["enclave stack up"]["cloud_resources"] = len(cloud_resources(deployed))
    results["checks"]["exist_after_enclave_up"] = check_existence(cloud, deployed, "after the enclave stack's up")
    if results["checks"]["exist_after_enclave_up"]["missing"]:
        fail("some resources the enclave stack reports are not in the cloud")
    if not cloud_resources(deployed):
        fail("the enclave stack created nothing")
    if not args.keep:
        teardown(enclaves, env, ENCLAVE_STACK)  # before the platform: its subnet is in the platform's network
    return finish(stack, env, args)


def finish(stack: Any, env: dict[str, str], args: argparse.Namespace) -> int:
    cloud = Cloud(openrc())
    from pulumi.automation import errors as auto_errors

    # 5. destroy must not delete anything holding data
    before = {r["urn"]: r for r in cloud_resources(stack.export_stack().deployment)}
    protected = [r for r in before.values() if r.get("protect")]
    with Timer("destroy"):
        try:
            down = stack.destroy(on_output=printer("destroy"))
            results["steps"]["destroy"]["result"] = down.summary.result
        except auto_errors.CommandError as err:
            text = str(err)
            results["steps"]["destroy"]["result"] = "failed"
            results["steps"]["destroy"]["refused"] = sorted(set(re.findall(r"(urn:pulumi:[^\s\"'`]+)", text)))[:50]
    after = {r["urn"]: r for r in cloud_resources(stack.export_stack().deployment)}
    results["steps"]["destroy"]["deleted"] = len(set(before) - set(after))
    results["steps"]["destroy"]["left"] = len(after)
    # What left the state: retained in the cloud (retainOnDelete) or really deleted; data holders must stay
    gone = [before[u] for u in sorted(set(before) - set(after))]
    retained: list[dict[str, Any]] = []
    deleted: list[dict[str, Any]] = []
    for res in gone:
        (retained if exists(cloud, res)[0] else deleted).append(res)
    results["steps"]["destroy"]["retained_in_cloud"] = [r["urn"] for r in retained]
    results["steps"]["destroy"]["deleted_from_cloud"] = sorted({r["type"] for r in deleted})
    lost = [r["urn"] for r in deleted if r["type"] in DATA_TYPES]
    results["steps"]["destroy"]["data_deleted"] = lost
    log(f"destroy: {len(deleted)} deleted from the cloud ({', '.join(sorted({r['type'].rsplit(':', 1)[-1] for r in deleted}))}), "
        f"{len(retained)} left the state but kept in the cloud (retainOnDelete), {len(after)} still in the state")
    if lost:
        fail(f"destroy deleted {len(lost)} resource(s) holding data: {lost}")
    still = check_existence(cloud, {"resources": protected}, "protected after destroy")
    results["checks"]["protected_after_destroy"] = {"protected": len(protected), **still}
    if results["steps"]["destroy"]["result"] != "failed":
        fail("destroy succeeded although resources are protected")
    if still["missing"]:
        fail(f"{len(still['missing'])} protected resource(s) are gone after destroy")
    if not [u for u in after if u in {r['urn'] for r in protected}] and protected:
        fail("protected resources left the state")
    if not args.keep:
        teardown(stack, env)
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results["memory_mib"] = {"run.py peak RSS": round(usage[0] / 1024), "largest child peak RSS": round(usage[1] / 1024)}
    log(f"memory: {results['memory_mib']}")
    log("E2E OK" if not failures else f"E2E FAILED: {len(failures)} check(s)")
    for f in failures:
        log("  - " + f)
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
