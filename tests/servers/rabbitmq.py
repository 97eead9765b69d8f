"""RabbitMQ 3.10 (Debian) with its AMQP 1.0 plugin: the self-hosted event bus hdhport builds on OpenStack.

The binaries in /usr/lib/rabbitmq/bin run directly (the /usr/sbin wrappers switch user). Everything the
node writes, its Erlang cookie included, lives in the run's directory; the node, its distribution port
and its own epmd (on a port of its own, so no other Erlang node on the machine is touched) listen on
127.0.0.1 only.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from servers.process import LOOPBACK, Process, ServerError, free_port, port_open, wait_until

BIN = Path("/usr/lib/rabbitmq/bin")
USER, PASSWORD = "guest", "guest"


def missing_binaries() -> list[str]:
    return [str(BIN / b) for b in ("rabbitmq-server", "rabbitmqctl", "rabbitmq-diagnostics")
            if not (BIN / b).exists()]


class RabbitMQ:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.epmd_port = free_port()
        self.dist_port = free_port()  # the node's distribution port (Erlang's default: the AMQP port + 20000)
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"amqp://{LOOPBACK}:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            "HOME": str(self.root),
            "RABBITMQ_NODENAME": "hdhport@localhost",
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.root / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_ADDRESS": LOOPBACK,
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def start(self, timeout: float = 90) -> float:
        for sub in ("mnesia", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = {LOOPBACK}:{self.port}\nloopback_users = none\n", encoding="utf-8")
        (self.root / "enabled_plugins").write_text("[rabbitmq_amqp1_0].\n", encoding="utf-8")
        (self.root / "rabbitmq-env.conf").write_text("", encoding="utf-8")  # not /etc/rabbitmq's
        self.process = Process("rabbitmq", [str(BIN / "rabbitmq-server")], self.root / "server.log",
                               env=self.env(), cwd=self.root).start()
        took = wait_until(lambda: port_open(self.port), timeout, f"rabbitmq on port {self.port}", self.process)
        # The port opens while plugins may still boot; the node's own listener check is authoritative.
        return took + wait_until(self._listening, timeout, "rabbitmq check_port_listener", self.process)

    def _listening(self) -> bool:
        return self._cli("rabbitmq-diagnostics", "-q", "check_port_listener", str(self.port)).returncode == 0

    def _cli(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / tool), *args], env={**os.environ, **self.env()}, capture_output=True,
                              text=True, timeout=60, check=False)

    def queue_depth(self, name: str) -> int:
        done = self._cli("rabbitmqctl", "-q", "list_queues", "name", "messages", "--no-table-headers")
        for line in done.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == name:
                return int(parts[1])
        raise ServerError(f"no queue {name!r} in rabbitmq: {done.stdout}{done.stderr}")

    def stop(self) -> None:
        if self.process is not None and self.process.alive:
            self._cli("rabbitmqctl", "-q", "stop")
            self.process.stop()
        # The node started its own epmd daemon, outside our process group; it listens on our port only.
        subprocess.run(["epmd", "-port", str(self.epmd_port), "-kill"], capture_output=True, check=False,
                       env={**os.environ, "ERL_EPMD_ADDRESS": LOOPBACK})
