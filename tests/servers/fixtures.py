"""Session fixtures: each real server starts once on first use, and stops when the session ends.

Import the ones a test module needs (`from servers.fixtures import azurite, swift`). A server that is
not installed fails the test with the make target that installs it: a skipped integration test would
let a machine without the servers pass for one that has them.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Protocol

import pytest

from servers import azurite as azurite_module
from servers import postgres as postgres_module
from servers import rabbitmq as rabbitmq_module
from servers import swift as swift_module

INSTALL = "run `make test-integration`, which installs it (Debian packages and npm)"


class Server(Protocol):
    def start(self) -> float: ...  # seconds it took to answer

    def stop(self) -> None: ...


def _require(missing: Sequence[str], what: str) -> None:
    if missing:
        pytest.fail(f"{what} needs {', '.join(missing)}: {INSTALL}")


@contextlib.contextmanager
def _running(*servers: Server) -> Iterator[None]:
    """Start the servers in order; stop every one whose start was attempted (a half-started server
    holds processes too), last first, however the session ends."""
    attempted: list[Server] = []
    try:
        for server in servers:
            attempted.append(server)
            server.start()
        yield
    finally:
        for server in reversed(attempted):
            server.stop()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[azurite_module.Azurite]:
    executable = azurite_module.binary()
    if executable is None or not executable.exists():
        pytest.fail(f"Azurite is missing (.tools/node_modules/.bin/azurite-blob): {INSTALL}")
    server = azurite_module.Azurite(tmp_path_factory.mktemp("azurite"), executable)
    with _running(server):
        yield server


@pytest.fixture(scope="session")
def swift(tmp_path_factory: pytest.TempPathFactory) -> Iterator[swift_module.Swift]:
    _require(swift_module.missing_binaries(), "Swift all-in-one")
    server = swift_module.Swift(tmp_path_factory.mktemp("swift"))
    with _running(server):
        yield server


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rabbitmq_module.RabbitMQ]:
    _require(rabbitmq_module.missing_binaries(), "RabbitMQ")
    server = rabbitmq_module.RabbitMQ(tmp_path_factory.mktemp("rabbitmq"))
    with _running(server):
        yield server


@pytest.fixture(scope="session")
def postgres_pair() -> Iterator[tuple[postgres_module.Postgres, postgres_module.Postgres]]:
    """Two independent clusters on two ports: the source and the target of a move."""
    _require(postgres_module.missing_binaries(), "PostgreSQL")
    source, target = postgres_module.Postgres("source"), postgres_module.Postgres("target")
    with _running(source, target):
        yield source, target
