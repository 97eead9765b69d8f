"""Session fixtures: each real server starts once on first use, and stops when the session ends.

Import the ones a test module needs (`from servers.fixtures import azurite, swift`). A server that is
not installed fails the test with the make target that installs it: a skipped integration test would
let a machine without the servers pass for one that has them.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from servers import azurite as azurite_module
from servers import postgres as postgres_module
from servers import rabbitmq as rabbitmq_module
from servers import swift as swift_module

INSTALL = "run `make test-integration`, which installs it (Debian packages and npm)"


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[azurite_module.Azurite]:
    executable = azurite_module.binary()
    if executable is None or not executable.exists():
        pytest.fail(f"Azurite is missing (.tools/node_modules/.bin/azurite-blob): {INSTALL}")
    server = azurite_module.Azurite(tmp_path_factory.mktemp("azurite"), executable)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def swift(tmp_path_factory: pytest.TempPathFactory) -> Iterator[swift_module.Swift]:
    missing = swift_module.missing_binaries()
    if missing:
        pytest.fail(f"Swift all-in-one needs {', '.join(missing)}: {INSTALL}")
    server = swift_module.Swift(tmp_path_factory.mktemp("swift"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rabbitmq_module.RabbitMQ]:
    missing = rabbitmq_module.missing_binaries()
    if missing:
        pytest.fail(f"RabbitMQ needs {', '.join(missing)}: {INSTALL}")
    server = rabbitmq_module.RabbitMQ(tmp_path_factory.mktemp("rabbitmq"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_pair() -> Iterator[tuple[postgres_module.Postgres, postgres_module.Postgres]]:
    """Two independent clusters on two ports: the source and the target of a move."""
    missing = postgres_module.missing_binaries()
    if missing:
        pytest.fail(f"PostgreSQL needs {', '.join(missing)}: {INSTALL}")
    source, target = postgres_module.Postgres("source"), postgres_module.Postgres("target")
    try:
        source.start()
        target.start()
        yield source, target
    finally:
        target.stop()
        source.stop()
