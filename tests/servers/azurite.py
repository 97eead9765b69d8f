"""Azurite, Microsoft's Azure Storage emulator (npm package azurite@3), as the Azure Blob side.

Only its Blob service runs (`azurite-blob`), on 127.0.0.1, with its data in the run's own directory and
telemetry off (it would otherwise call the internet). The binary comes from the project-local npm
install the Makefile does (.tools/), or from HDHPORT_AZURITE.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from servers.process import LOOPBACK, Process, free_port, port_open, wait_until

# The emulator's well-known development account (public, documented by Microsoft; not a secret).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_PROJECT_BINARY = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / ".bin" / "azurite-blob"


def binary() -> Path | None:
    configured = os.environ.get("HDHPORT_AZURITE")
    if configured:
        return Path(configured)
    if _PROJECT_BINARY.exists():
        return _PROJECT_BINARY
    found = shutil.which("azurite-blob")
    return Path(found) if found else None


class Azurite:
    """Azurite's Blob service on a free port of 127.0.0.1, storing under `root`."""

    def __init__(self, root: Path, executable: Path) -> None:
        self.root, self.executable = root, executable
        self.port = free_port()
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
                f"BlobEndpoint={self.url};")

    def start(self, timeout: float = 60) -> float:
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        self.process = Process("azurite", [
            str(self.executable), "--blobHost", LOOPBACK, "--blobPort", str(self.port),
            "--location", str(self.root / "data"), "--silent", "--disableTelemetry", "--skipApiVersionCheck",
            "--loose"], self.root / "azurite.log").start()
        return wait_until(lambda: port_open(self.port), timeout, f"azurite on port {self.port}", self.process)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def account_sas(self) -> str:
        """An account SAS for every container and object, valid for a day."""
        from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

        return generate_account_sas(
            ACCOUNT, ACCOUNT_KEY, ResourceTypes(service=True, container=True, object=True),
            AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True, create=True),
            expiry=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1))

    def rclone_section(self, name: str = "azure") -> str:
        # rclone 1.60's `use_emulator` is broken and its `endpoint` is a domain suffix, not a URL:
        # an account SAS URL is what reaches the emulator (local-real-components.md).
        return f"[{name}]\ntype = azureblob\nsas_url = {self.url}?{self.account_sas()}\n\n"
