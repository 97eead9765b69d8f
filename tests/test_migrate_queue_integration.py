"""The event bus contract on a real broker: hdhport's AMQP 1.0 client (python-qpid-proton), the one the
catalogue prescribes for Azure Service Bus and for RabbitMQ alike, sends, receives and drains queues on
RabbitMQ 3.10 with its AMQP 1.0 plugin (the self-hosted event bus hdhport builds on OpenStack).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from hdhport.migrate import queues
from servers.figures import record
from servers.fixtures import rabbitmq  # noqa: F401 - session fixture used by name
from servers.rabbitmq import PASSWORD, USER, RabbitMQ

pytestmark = pytest.mark.integration
pytest.importorskip("proton", reason="python-qpid-proton is a dev dependency (make install)")
from proton import Message  # noqa: E402 - only once the skip above has had its say

COUNT = 500


def endpoint(server: RabbitMQ, queue: str) -> queues.Endpoint:
    return queues.Endpoint("amqp", "127.0.0.1", server.port, f"/queue/{queue}", USER, PASSWORD)


def messages(count: int) -> list[Message]:
    """Text, binary and structured bodies, with the properties applications rely on."""
    made = []
    for i in range(count):
        bodies: list[str | bytes | dict[str, object]] = [f"texte accentué n°{i} 🚀", bytes(range(256)) * (1 + i % 7),
                                                         {"seq": i, "ok": True}]
        made.append(Message(body=bodies[i % 3], id=f"hdh-{i:05d}", correlation_id=f"batch-{i // 100}",
                            subject="extraction-ready", content_type="application/octet-stream",
                            properties={"project": f"project-{i % 3:03d}", "index": i}, durable=True))
    made.append(Message(body=os.urandom(256 * 1024), id="large", durable=True))  # 256 KiB
    return made


def same(received: Message, sent: Message) -> bool:
    body = bytes(received.body) if isinstance(received.body, memoryview) else received.body
    return (received.id, body, received.properties, received.correlation_id, received.subject) == (
        sent.id, sent.body, sent.properties, sent.correlation_id, sent.subject)


def test_the_same_client_sends_and_receives_over_amqp_1_0(rabbitmq: RabbitMQ) -> None:  # noqa: F811
    sent = messages(50)
    assert queues.send(endpoint(rabbitmq, "contract"), sent) == len(sent)
    assert rabbitmq.queue_depth("contract") == len(sent)
    received = queues.receive(endpoint(rabbitmq, "contract"), idle=2)
    assert len(received) == len(sent)
    assert all(same(r, s) for r, s in zip(received, sent))
    assert rabbitmq.queue_depth("contract") == 0  # each one accepted, so settled at the broker


def test_migrate_queue_drains_every_message_in_flight_in_order(rabbitmq: RabbitMQ) -> None:  # noqa: F811
    sent = messages(COUNT)
    queues.send(endpoint(rabbitmq, "in-flight"), sent)
    url = f"amqp://{USER}@127.0.0.1:{rabbitmq.port}"
    env = {**os.environ, "HDHPORT_AMQP_FROM_PASSWORD": PASSWORD, "HDHPORT_AMQP_TO_PASSWORD": PASSWORD}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "hdhport.cli", "migrate", "queue", "--from", url, "--from-address",
                           "/queue/in-flight", "--to", url, "--to-address", "/queue/moved", "--idle", "2"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"moved       {len(sent)} message(s)" in done.stdout
    assert (rabbitmq.queue_depth("in-flight"), rabbitmq.queue_depth("moved")) == (0, len(sent))
    received = queues.receive(endpoint(rabbitmq, "moved"), idle=2)
    assert [m.id for m in received] == [m.id for m in sent]  # nothing lost, nothing twice, same order
    assert all(same(r, s) for r, s in zip(received, sent))
    record("queue_drain", {"messages": len(sent), "broker": "RabbitMQ 3.10, AMQP 1.0 plugin",
                           "seconds_including_2_s_idle_wait": round(seconds, 1)})


def test_an_unreachable_broker_fails_in_one_line(rabbitmq: RabbitMQ) -> None:  # noqa: F811
    closed = f"amqp://{USER}@127.0.0.1:1"
    sentinel = "never-printed-9f3b"
    env = {**os.environ, "HDHPORT_AMQP_FROM_PASSWORD": sentinel, "HDHPORT_AMQP_TO_PASSWORD": PASSWORD}
    done = subprocess.run([sys.executable, "-m", "hdhport.cli", "migrate", "queue", "--from", closed, "--from-address",
                           "/queue/x", "--to", f"amqp://{USER}@127.0.0.1:{rabbitmq.port}", "--to-address", "/queue/y"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("hdhport migrate queue: cannot connect to amqp://guest@127.0.0.1:1 /queue/x")
    assert len(done.stderr.strip().splitlines()) == 1 and sentinel not in done.stderr
