"""`hdhport migrate objects` against real servers: Azurite as Azure Blob, OpenStack Swift (Swift API and S3
through s3api) as OpenStack. Round trip, a destination crash in the middle of the copy, and corruption.

Every claim is checked against an oracle that does not go through hdhport or rclone: the digests
computed when the objects were generated, and each store's own API (Azure SDK, Swift's ETag = MD5).
The figures measured are written to out/migrate/integration-figures.json for the README.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hdhport.migrate import manifest as manifests
from hdhport.migrate import objects
from servers.azurite import Azurite
from servers.figures import record
from servers.fixtures import azurite, swift  # noqa: F401 - session fixtures used by name
from servers.swift import Swift

pytestmark = pytest.mark.integration
azure_blob = pytest.importorskip("azure.storage.blob", reason="azure-storage-blob is a dev dependency (make install)")

SOURCE = "source"
# Names that break naive tools: spaces (leading, inner, trailing), non-ASCII and emoji, characters that are
# special to URLs, shells, rclone's --files-from (#, ;) and JSON, deep prefixes, a zero-byte object.
AWKWARD = ["with space/file name.txt", "accentué/été 2024 résumé.csv", "日本語/データ ファイル.bin", "emoji 🚀 rocket.json",
           "#hash-first", ";semicolon-first", "trailing space ", " leading space", "percent%20literal",
           "plus+sign&amp=eq", "quote'single\"double", "brackets[1](2){3}", "tilde~caret^backtick`",
           "deep/a/b/c/d/e/f/g/h/leaf.txt", "MiXeD/Case/FILE.TXT", "dots..in..name", "question?mark", "ünï/çødé/ß",
           "x" * 180 + ".long", "zero-byte"]
MIB = 1024 * 1024
LARGE = {"large/one-mib-plus-one.bin": MIB + 1, "large/three-mib.bin": 3 * MIB, "large/five-mib.bin": 5 * MIB,
         "large/nine-mib-odd.bin": 9 * MIB + 12345}
SMALL = 280


@dataclass
class Stores:
    config: Path
    work: Path
    oracle: dict[str, tuple[int, str, str]]  # name -> (size, sha256, md5), computed when generated
    azurite: Azurite
    swift: Swift

    @property
    def bytes(self) -> int:
        return sum(size for size, _, _ in self.oracle.values())


def _dataset() -> dict[str, bytes]:
    rng = random.Random(20261122)  # the same objects on every run
    data = {f"small/{i // 40:02d}/object-{i:04d}.dat": rng.randbytes(rng.randint(1, 32 * 1024)) for i in range(SMALL)}
    data |= {name: (b"" if name == "zero-byte" else rng.randbytes(rng.randint(10, 4096))) for name in AWKWARD}
    data |= {name: rng.randbytes(size) for name, size in LARGE.items()}
    return data


@pytest.fixture(scope="module")
def stores(azurite: Azurite, swift: Swift, tmp_path_factory: pytest.TempPathFactory) -> Stores:  # noqa: F811
    work = tmp_path_factory.mktemp("migrate-objects")
    config = work / "rclone.conf"
    config.write_text(azurite.rclone_section("azure") + swift.rclone_sections(), encoding="utf-8")
    config.chmod(0o600)
    container = azure_blob.BlobServiceClient.from_connection_string(azurite.connection_string).create_container(SOURCE)
    data = _dataset()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: container.upload_blob(item[0], item[1]), data.items()))
    oracle = {name: (len(body), hashlib.sha256(body).hexdigest(), hashlib.md5(body).hexdigest())
              for name, body in data.items()}
    return Stores(config, work, oracle, azurite, swift)


def hdhport(stores: Stores, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, in a process of its own, as an operator runs it."""
    return subprocess.run([sys.executable, "-m", "hdhport.cli", "migrate", *args, "--rclone-config",
                           str(stores.config)], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=600, check=False)


def summary(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def manifest_entries(path: Path) -> dict[str, tuple[int, str]]:
    return {e.path: (e.size, e.sha256) for e in manifests.read(path).entries}


def expected(stores: Stores) -> dict[str, tuple[int, str]]:
    return {name: (size, sha) for name, (size, sha, _) in stores.oracle.items()}


def blob_digests(stores: Stores, container: str) -> dict[str, tuple[int, str]]:
    """Every blob of an Azurite container, downloaded through the Azure SDK and hashed here."""
    client = azure_blob.BlobServiceClient.from_connection_string(stores.azurite.connection_string)
    containers = client.get_container_client(container)
    result = {}
    for blob in containers.list_blobs():
        body = containers.download_blob(blob.name).readall()
        result[blob.name] = (len(body), hashlib.sha256(body).hexdigest())
    return result


class SwiftApi:
    """Swift's own API (tempauth token), independent of rclone."""

    def __init__(self, swift: Swift) -> None:
        self.url, self.token = swift.token()

    def _request(self, method: str, path: str, body: bytes | None = None) -> Any:
        request = urllib.request.Request(f"{self.url}/{urllib.parse.quote(path)}", data=body, method=method,
                                         headers={"X-Auth-Token": self.token})
        return urllib.request.urlopen(request, timeout=30)

    def listing(self, container: str) -> dict[str, tuple[int, str]]:
        """name -> (bytes, md5 ETag) of every object, all pages."""
        found: dict[str, tuple[int, str]] = {}
        marker = ""
        while True:
            query = urllib.parse.urlencode({"format": "json", "marker": marker, "limit": 1000})
            request = urllib.request.Request(f"{self.url}/{urllib.parse.quote(container)}?{query}",
                                             headers={"X-Auth-Token": self.token})
            with urllib.request.urlopen(request, timeout=30) as response:
                page = json.loads(response.read() or b"[]")
            if not page:
                return found
            found |= {item["name"]: (item["bytes"], item["hash"]) for item in page}
            marker = page[-1]["name"]

    def count(self, container: str) -> int:
        try:
            request = urllib.request.Request(f"{self.url}/{urllib.parse.quote(container)}", method="HEAD",
                                             headers={"X-Auth-Token": self.token})
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.headers["X-Container-Object-Count"])
        except OSError:
            return 0

    def put(self, container: str, name: str, body: bytes) -> None:
        self._request("PUT", f"{container}/{name}", body).close()

    def get(self, container: str, name: str) -> bytes:
        with self._request("GET", f"{container}/{name}") as response:
            data: bytes = response.read()
            return data

    def delete(self, container: str, name: str) -> None:
        self._request("DELETE", f"{container}/{name}").close()


# ---------------------------------------------------------------------------------------------- round trip


def test_round_trip_azure_to_swift_and_back_loses_nothing(stores: Stores) -> None:
    there, back = stores.work / "to-swift.manifest.jsonl", stores.work / "back-to-azure.manifest.jsonl"
    started = time.monotonic()
    outbound = hdhport(stores, "objects", f"azure:{SOURCE}", "swift:migrated", "--manifest", str(there),
                       "--format", "json")
    outbound_seconds = time.monotonic() - started
    assert outbound.returncode == 0, outbound.stdout + outbound.stderr
    # The manifest is the source exactly as generated, names with spaces and non-ASCII included.
    assert manifest_entries(there) == expected(stores)
    first = summary(outbound)
    assert (first["objects"], first["bytes"], first["verified"], first["mismatches"]) == (
        len(stores.oracle), stores.bytes, len(stores.oracle), [])
    # Swift's own listing: every object, no other, each with the MD5 of what was generated.
    assert SwiftApi(stores.swift).listing("migrated") == {n: (s, md5) for n, (s, _, md5) in stores.oracle.items()}

    started = time.monotonic()
    # The way back reads OpenStack through its S3 API (s3api), the interface applications are written against.
    inbound = hdhport(stores, "objects", "s3:migrated", "azure:returned", "--manifest", str(back), "--format", "json")
    inbound_seconds = time.monotonic() - started
    assert inbound.returncode == 0, inbound.stdout + inbound.stderr
    second = summary(inbound)
    assert second["mismatches"] == [] and second["verified"] == len(stores.oracle)
    # Manifests equal, byte for byte: the content that came back is the content that left.
    assert there.read_bytes() == back.read_bytes()
    assert first["manifest_sha256"] == second["manifest_sha256"] == hashlib.sha256(there.read_bytes()).hexdigest()
    # And through the Azure SDK, independently of hdhport and rclone.
    assert blob_digests(stores, "returned") == expected(stores)
    # Nothing was deleted or changed at the first source.
    assert blob_digests(stores, SOURCE) == expected(stores)
    record("round_trip", {
        "objects": len(stores.oracle), "bytes": stores.bytes, "largest_object_bytes": max(LARGE.values()),
        "awkward_names": len(AWKWARD), "azurite_to_swift_seconds": round(outbound_seconds, 1),
        "swift_s3_to_azurite_seconds": round(inbound_seconds, 1),
        "phase_seconds": {"outbound": first["seconds"], "inbound": second["seconds"]},
        "manifest_sha256": first["manifest_sha256"], "mismatches": 0})


# ---------------------------------------------------------------------------------------------- fault


def test_destination_crash_mid_copy_fails_cleanly_and_resume_completes(stores: Stores) -> None:
    api, manifest = SwiftApi(stores.swift), stores.work / "crash.manifest.jsonl"
    args = [sys.executable, "-m", "hdhport.cli", "migrate", "objects", f"azure:{SOURCE}", "swift:crash", "--manifest",
            str(manifest), "--rclone-config", str(stores.config), "--parallel", "2", "--max-failures", "3",
            "--format", "json"]
    # Fail fast once the destination is gone, instead of rclone's minutes of retries.
    fast = {**os.environ, "RCLONE_RETRIES": "1", "RCLONE_LOW_LEVEL_RETRIES": "1", "RCLONE_CONTIMEOUT": "5s",
            "RCLONE_TIMEOUT": "20s"}
    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=fast)
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.extend(process.stderr or []), daemon=True)
    reader.start()
    at_kill = 0
    while process.poll() is None and time.monotonic() - started < 300:
        if any("copying" in line for line in errors):
            at_kill = api.count("crash")
            if at_kill >= 40:
                stores.swift.kill()  # every Swift server at once, SIGKILL
                break
        time.sleep(0.05)
    try:
        out, _ = process.communicate(timeout=120)  # --max-failures stops rclone soon after the crash
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(5)
    try:
        assert 40 <= at_kill < len(stores.oracle), f"the crash must fall mid-copy ({at_kill} objects there)"
        assert process.returncode == 1, out + "".join(errors)
        failed = summary(subprocess.CompletedProcess(args, 1, out, ""))
        assert "--resume" in failed["failure"] and failed["verified"] < len(stores.oracle)
        assert "Traceback" not in "".join(errors)
    finally:
        stores.swift.start()
    api = SwiftApi(stores.swift)
    resumed = hdhport(stores, "objects", f"azure:{SOURCE}", "swift:crash", "--manifest", str(manifest), "--resume",
                      "--format", "json")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    result = summary(resumed)
    # What the crashed run delivered is checked, not copied again; the rest is copied once.
    assert result["already_there"] >= at_kill and result["copied"] == len(stores.oracle) - result["already_there"]
    assert (result["verified"], result["mismatches"], result["resumed"]) == (len(stores.oracle), [], True)
    # Nothing lost, nothing duplicated or left half-written: Swift's listing is the source, exactly.
    assert api.listing("crash") == {n: (s, md5) for n, (s, _, md5) in stores.oracle.items()}
    record("crash_and_resume", {"objects": len(stores.oracle), "objects_at_crash": at_kill,
                                "already_there_on_resume": result["already_there"], "copied_on_resume": result["copied"],
                                "resume_seconds": result["seconds"]})


# ---------------------------------------------------------------------------------------------- corruption


def test_altered_and_missing_objects_are_named_then_repaired(stores: Stores) -> None:
    manifest = stores.work / "corrupt.manifest.jsonl"
    moved = hdhport(stores, "objects", f"azure:{SOURCE}", "swift:corrupt", "--manifest", str(manifest))
    assert moved.returncode == 0, moved.stdout + moved.stderr
    api = SwiftApi(stores.swift)
    altered, removed = "accentué/été 2024 résumé.csv", "large/five-mib.bin"
    original = api.get("corrupt", altered)
    api.put("corrupt", altered, bytes([original[0] ^ 0xFF]) + original[1:])  # same size, one byte flipped
    api.delete("corrupt", removed)

    checked = hdhport(stores, "verify", "swift:corrupt", "--manifest", str(manifest))
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert any(line.startswith("SHA256") and repr(altered) in line for line in lines), checked.stdout
    assert any(line.startswith("MISSING") and repr(removed) in line for line in lines), checked.stdout
    assert "mismatches  2" in checked.stdout and "NOT VERIFIED" in checked.stdout

    repaired = hdhport(stores, "objects", f"azure:{SOURCE}", "swift:corrupt", "--manifest", str(manifest), "--resume",
                       "--format", "json")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert summary(repaired)["copied"] == 2  # only the two objects verification rejected
    assert hdhport(stores, "verify", "swift:corrupt", "--manifest", str(manifest)).returncode == 0
    assert api.get("corrupt", altered) == original


# ---------------------------------------------------------------------------------------------- large objects


def test_a_large_object_is_read_once_and_proven_by_the_md5_swift_computed(stores: Stores) -> None:
    """Issue 18: an object of objects.LARGE bytes or more, from Azurite to Swift's S3 API, is read once at the
    source, hashed and sent on (rclone cat into rclone rcat); the ETag Swift's object server computed over what
    it stored, equal to the MD5 of the bytes sent, proves it without a read-back. Checked against the digests
    computed when the object was generated and Swift's own listing."""
    body, small = random.Random(18).randbytes(objects.LARGE + 12345), b"small,object\n"
    container = azure_blob.BlobServiceClient.from_connection_string(
        stores.azurite.connection_string).create_container("streamed")
    container.upload_blob("big/one.bin", body)
    container.upload_blob("small.csv", small)
    manifest = stores.work / "streamed.manifest.jsonl"
    done = hdhport(stores, "objects", "azure:streamed", "s3:streamed", "--manifest", str(manifest), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = summary(done)
    assert (result["copied"], result["verified"], result["mismatches"]) == (2, 2, [])
    assert "sent during the manifest" not in done.stderr  # proven by Swift's MD5, not read back
    assert manifest_entries(manifest) == {"big/one.bin": (len(body), hashlib.sha256(body).hexdigest()),
                                          "small.csv": (len(small), hashlib.sha256(small).hexdigest())}
    assert SwiftApi(stores.swift).listing("streamed") == {"big/one.bin": (len(body), hashlib.md5(body).hexdigest()),
                                                         "small.csv": (len(small), hashlib.md5(small).hexdigest())}
