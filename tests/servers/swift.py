"""A real OpenStack Swift all-in-one (Debian's swift 2.30): proxy with tempauth and s3api, and one
account, container and object server on plain directories, all on 127.0.0.1.

s3api answers as Scaleway Object Storage's Paris region does: its `location` is fr-par (s3api checks the
region every request is signed for against it, so every S3 client of this store signs for fr-par), and its
`storage_domain` is Scaleway's endpoint host, so a request for `<bucket>.s3.fr-par.scw.cloud` is
virtual-hosted-style (reaching it takes a proxy that sends those names to 127.0.0.1: servers.proxy).

Everything lives under the run's own directory: `swift_dir` points each server at its own swift.conf
and rings, so /etc/swift is never read or touched.
"""
from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from servers.process import LOOPBACK, Process, ServerError, free_port, port_open, wait_until

USER, KEY = "test:tester", "testing"  # tempauth's user; also the S3 access key and secret through s3api
REGION = "fr-par"  # s3api's location: the region S3 requests must be signed for
STORAGE_DOMAIN = "s3.fr-par.scw.cloud"  # virtual-hosted-style requests: Host <bucket>.s3.fr-par.scw.cloud
BINARIES = ("swift-ring-builder", "swift-proxy-server", "swift-account-server", "swift-container-server",
            "swift-object-server", "memcached")
ROLES = ("account", "container", "object")

_PROXY_PIPELINE = ("catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api "
                   "tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server")
_FILTERS = ("catch_errors", "gatekeeper", "healthcheck", "listing_formats", "bulk", "tempurl", "copy", "slo", "dlo",
            "versioned_writes", "symlink")


def missing_binaries() -> list[str]:
    return [b for b in BINARIES if shutil.which(b) is None]


class Swift:
    """Swift all-in-one under `root`; `start()` builds it on first use and can be called again after `kill()`."""

    def __init__(self, root: Path, region: str = REGION, storage_domain: str = STORAGE_DOMAIN) -> None:
        self.root, self.region, self.storage_domain = root, region, storage_domain
        self.ports = {role: free_port() for role in (*ROLES, "proxy", "memcached")}
        self.processes: dict[str, Process] = {}
        self._built = False

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.ports['proxy']}"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/auth/v1.0"

    def rclone_sections(self) -> str:
        """rclone remotes for this store: `swift` (Swift API through tempauth) and `s3` (the same store via s3api,
        path-style at 127.0.0.1, signed for s3api's region)."""
        return (f"[swift]\ntype = swift\nuser = {USER}\nkey = {KEY}\nauth = {self.auth_url}\n\n"
                f"[s3]\ntype = s3\nprovider = Other\naccess_key_id = {USER}\nsecret_access_key = {KEY}\n"
                f"endpoint = {self.url}\nregion = {self.region}\nforce_path_style = true\n\n")

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 60) -> float:
        """Start every server (building the configuration and rings the first time); seconds until ready."""
        if not self._built:
            self._build()
        if "memcached" not in self.processes or not self.processes["memcached"].alive:
            # tempauth keeps its tokens in memcached; memcached refuses to run as root without -u.
            user = ["-u", "nobody"] if os.geteuid() == 0 else []
            self.processes["memcached"] = Process(
                "memcached", ["memcached", "-l", LOOPBACK, "-p", str(self.ports["memcached"]), "-U", "0", *user],
                self.root / "memcached.log").start()
        for role in (*ROLES, "proxy"):
            if role in self.processes and self.processes[role].alive:
                continue
            self.processes[role] = Process(f"swift-{role}-server", [f"swift-{role}-server", str(self._conf(role))],
                                           self.root / f"{role}.log").start()
        return self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 60) -> float:
        took = 0.0
        for role in (*ROLES, "memcached"):
            port = self.ports[role]
            took += wait_until(lambda: port_open(port), timeout, f"swift {role} on port {port}",
                               self.processes[role])
        return took + wait_until(self._authenticates, timeout, "swift proxy healthcheck and tempauth token",
                                 self.processes["proxy"])

    def kill(self) -> None:
        """Crash every Swift server at once (SIGKILL); the data directories stay for a restart."""
        for role in ("proxy", *ROLES):
            self.processes[role].kill()

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    def token(self) -> tuple[str, str]:
        """(storage URL, token) from tempauth."""
        request = urllib.request.Request(self.auth_url, headers={"X-Auth-User": USER, "X-Auth-Key": KEY})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.headers["X-Storage-Url"], response.headers["X-Auth-Token"]

    def _authenticates(self) -> bool:
        with urllib.request.urlopen(f"{self.url}/healthcheck", timeout=2) as response:
            if response.status != 200:
                return False
        return bool(self.token()[1])

    # ------------------------------------------------------------------ configuration

    def _conf(self, role: str) -> Path:
        return self.root / f"{role}-server.conf"

    def _build(self) -> None:
        (self.root / "srv" / "sdb1").mkdir(parents=True, exist_ok=True)
        (self.root / "swift.conf").write_text(
            "[swift-hash]\nswift_hash_path_suffix = hdhport-test\nswift_hash_path_prefix = hdhport-test\n\n"
            "[storage-policy:0]\nname = Policy-0\ndefault = yes\n", encoding="utf-8")
        common = (f"[DEFAULT]\nbind_ip = {LOOPBACK}\nworkers = 0\nuser = {getpass.getuser()}\n"
                  f"swift_dir = {self.root}\n")
        for role in ROLES:
            # Plain directories, not mounted disks; no fallocate, which some filesystems lack.
            self._conf(role).write_text(
                f"{common}bind_port = {self.ports[role]}\ndevices = {self.root / 'srv'}\nmount_check = false\n"
                f"disable_fallocate = true\n\n[pipeline:main]\npipeline = {role}-server\n\n"
                f"[app:{role}-server]\nuse = egg:swift#{role}\n", encoding="utf-8")
        filters = "".join(f"[filter:{name}]\n"
                          f"use = egg:swift#{name}\n\n" for name in _FILTERS)
        self._conf("proxy").write_text(
            f"{common}bind_port = {self.ports['proxy']}\n\n[pipeline:main]\npipeline = {_PROXY_PIPELINE}\n\n"
            "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n\n"
            f"[filter:tempauth]\nuse = egg:swift#tempauth\nuser_test_tester = {KEY} .admin\n\n"
            f"[filter:s3api]\nuse = egg:swift#s3api\nlocation = {self.region}\n"
            f"storage_domain = {self.storage_domain}\n\n"
            f"[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = {LOOPBACK}:{self.ports['memcached']}\n\n"
            "[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n\n" + filters, encoding="utf-8")
        with ThreadPoolExecutor(len(ROLES)) as pool:  # each rebalance takes seconds: build the three at once
            list(pool.map(self._ring, ROLES))
        self._built = True

    def _ring(self, role: str) -> None:
        builder = str(self.root / f"{role}.builder")
        for argv in (["create", "6", "1", "1"], ["add", f"r1z1-{LOOPBACK}:{self.ports[role]}/sdb1", "1"],
                     ["rebalance"]):
            done = subprocess.run(["swift-ring-builder", builder, *argv], capture_output=True, text=True)
            # rebalance exits 1 with a warning on a one-device ring; what matters is the ring file it writes.
            if done.returncode not in (0, 1):
                raise ServerError(f"swift-ring-builder {role} {argv[0]} failed: {done.stdout}{done.stderr}")
        if not (self.root / f"{role}.ring.gz").exists():
            raise ServerError(f"swift-ring-builder wrote no {role}.ring.gz")
