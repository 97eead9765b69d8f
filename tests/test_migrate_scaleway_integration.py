"""Issue 14, the move from Azure to Scaleway: `hdhport migrate objects` from Azurite (Azure Blob) to an S3 remote
configured as the runbook tells an operator to configure Scaleway Object Storage: the very stanza
`hdhport migrate plan --from azure-francecentral --to scaleway` prints (type s3, provider Scaleway, region
fr-par, endpoint s3.fr-par.scw.cloud), credentials in RCLONE_CONFIG_* variables as it says.

The store behind it is Swift's s3api (tests/servers/swift.py), which answers for region fr-par and for
virtual-hosted-style names under s3.fr-par.scw.cloud. rclone 1.60 addresses a `provider = Scaleway` remote
virtual-hosted-style whatever force_path_style says (http://<bucket>.s3.fr-par.scw.cloud/), a name this machine
cannot resolve: rclone is given HTTP_PROXY, a forwarding proxy in the test (servers.proxy) that sends every
request, Host unchanged, to s3api on 127.0.0.1. The only change to the runbook's stanza is the endpoint's
scheme: http://, because the local server has no TLS.

Every object is checked against the digests computed when it was generated and Swift's own API (its listing's
MD5s, each object read back through tempauth), neither going through hdhport nor rclone.
"""
from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from hdhport import paths
from hdhport.loader import load_specification
from hdhport.migrate import manifest as manifests
from hdhport.migrate import objects
from hdhport.migrate.remotes import Remote
from hdhport.migrate.runbook import build
from servers.azurite import Azurite
from servers.fixtures import azurite, swift  # noqa: F401 - session fixtures used by name
from servers.proxy import ForwardingProxy
from servers.swift import KEY, STORAGE_DOMAIN, USER, Swift
from test_migrate_objects_integration import SwiftApi, summary

pytestmark = pytest.mark.integration
azure_blob = pytest.importorskip("azure.storage.blob", reason="azure-storage-blob is a dev dependency (make install)")

CONTAINER, BUCKET = "to-scaleway", "moved-to-scaleway"
MIB = 1 << 20
LARGE = {"extractions/large-streamed.bin": objects.LARGE + 54321}  # from objects.LARGE up: the streamed path


def documented_remote() -> Remote:
    """The Scaleway remote the runbook states for the object storage step of the move."""
    spec = load_specification(paths.CATALOGUE, paths.shipped_profiles())
    move = build(spec.catalogue, spec.profiles["azure-francecentral"], spec.profiles["scaleway"])
    step = next(s for s in move.steps if s.service.id == "object_storage")
    assert step.remotes is not None
    target = step.remotes[1]
    assert isinstance(target, Remote), target
    return target


def _dataset() -> dict[str, bytes]:
    rng = random.Random(14)  # the same objects on every run
    data = {f"extractions/{i // 20:02d}/part-{i:04d}.parquet": rng.randbytes(rng.randint(1, 64 * 1024))
            for i in range(60)}
    data |= {"accentué/été 2024.csv": rng.randbytes(3000), "with space/file name.txt": rng.randbytes(100),
             "zero-byte": b"", "deep/a/b/c/d/leaf.json": rng.randbytes(10), "plus+sign&amp=eq": rng.randbytes(77),
             "mid/two-mib.bin": rng.randbytes(2 * MIB + 1)}
    return data | {name: rng.randbytes(size) for name, size in LARGE.items()}


@pytest.fixture(scope="module")
def proxy(swift: Swift) -> Iterator[ForwardingProxy]:  # noqa: F811
    running = ForwardingProxy(swift.ports["proxy"]).start()
    yield running
    running.stop()


def test_azure_to_scaleway_through_the_runbooks_remote(azurite: Azurite, swift: Swift,  # noqa: F811
                                                       proxy: ForwardingProxy, tmp_path: Path) -> None:
    scaleway = documented_remote()
    documented = f"endpoint = {STORAGE_DOMAIN}\n"
    assert scaleway.stanza == (f"[{scaleway.name}]\ntype = s3\nprovider = Scaleway\nregion = fr-par\n"
                               f"{documented}")
    # The documented stanza, its endpoint reached over plain HTTP (the local s3api has no TLS): nothing else.
    stanza = scaleway.stanza.replace(documented, f"endpoint = http://{STORAGE_DOMAIN}\n")
    config = tmp_path / "rclone.conf"
    config.write_text(azurite.rclone_section("azure") + stanza, encoding="utf-8")
    config.chmod(0o600)

    data = _dataset()
    container = azure_blob.BlobServiceClient.from_connection_string(azurite.connection_string).create_container(
        CONTAINER)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: container.upload_blob(item[0], item[1]), data.items()))
    oracle = {name: (len(body), hashlib.sha256(body).hexdigest(), hashlib.md5(body).hexdigest())
              for name, body in data.items()}

    name = scaleway.name.upper()
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if k not in ("AWS_CA_BUNDLE",)}
    env |= {f"RCLONE_CONFIG_{name}_ACCESS_KEY_ID": USER, f"RCLONE_CONFIG_{name}_SECRET_ACCESS_KEY": KEY,
            "HTTP_PROXY": proxy.url, "http_proxy": proxy.url, "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost"}
    manifest = tmp_path / "scaleway.manifest.jsonl"
    done = subprocess.run([sys.executable, "-m", "hdhport.cli", "migrate", "objects", f"azure:{CONTAINER}",
                           f"{scaleway.name}:{BUCKET}", "--manifest", str(manifest), "--rclone-config", str(config),
                           "--format", "json"], capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    result = summary(done)
    total = sum(size for size, _, _ in oracle.values())
    assert (result["objects"], result["bytes"], result["verified"], result["mismatches"]) == (
        len(oracle), total, len(oracle), [])
    assert (result["source"], result["dest"]) == (f"azure:{CONTAINER}", f"{scaleway.name}:{BUCKET}")
    # The large object went the streamed way, as to any S3 store: read once at Azure, proven by the MD5 the
    # store computed over what it stored, never read back.
    assert "sent during the manifest" not in done.stderr
    assert f"copying {len(oracle) - len(LARGE)} object(s) to {scaleway.name}:{BUCKET}" in done.stderr, done.stderr
    assert result["copied"] == len(oracle) and result["ok"] is True
    assert {e.path: (e.size, e.sha256) for e in manifests.read(manifest).entries} == {
        n: (size, sha) for n, (size, sha, _) in oracle.items()}
    assert result["manifest_sha256"] == hashlib.sha256(manifest.read_bytes()).hexdigest()

    # rclone spoke to Scaleway's endpoint form, virtual-hosted-style, and to nothing else through the proxy.
    assert proxy.hosts and set(proxy.hosts) == {f"{BUCKET}.{STORAGE_DOMAIN}"}, sorted(set(proxy.hosts))

    # The oracle, through Swift's own API: every object, no other, each with the MD5 and the bytes generated.
    api = SwiftApi(swift)
    assert api.listing(BUCKET) == {n: (size, md5) for n, (size, _, md5) in oracle.items()}
    for path in ("accentué/été 2024.csv", "zero-byte", *LARGE):
        assert hashlib.sha256(api.get(BUCKET, path)).hexdigest() == oracle[path][1], path
