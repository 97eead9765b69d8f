"""Queues in flight: drain-and-switch over AMQP 1.0, with python-qpid-proton as the one client.

The catalogue's message queue is reached through AMQP 1.0 on every cloud: Azure Service Bus speaks it
natively (amqps, SASL PLAIN with a shared-access key name and key, address = the queue name), and the
self-hosted event bus hdhport builds on OpenStack is RabbitMQ with its AMQP 1.0 plugin (address
`/queue/NAME` on RabbitMQ 3.x). The same code therefore sends and receives on both, and moving what is
still in flight at cut-over is a loop of it: receive at the source, send to the target, and settle the
source delivery only once the target has accepted the copy. A crash between those two steps can
deliver a message twice but never loses one (at-least-once); consumers deduplicate on the message id.
"""
from __future__ import annotations

import os
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from hdhport.errors import InputError, Problem
from hdhport.migrate.redaction import redact

if TYPE_CHECKING:
    from proton import Message
    from proton.utils import BlockingConnection

Progress = Callable[[str], None]
_PREFETCH = 20  # unsettled deliveries the source may hand out at once; released back to it on any failure


class QueueError(RuntimeError):
    """The broker refused or dropped something; the message is one line."""


@dataclass(frozen=True)
class Endpoint:
    """A broker and an address on it. The password comes from the URL or, better, an environment variable."""

    scheme: str
    host: str
    port: int
    address: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.user + '@' if self.user else ''}{self.host}:{self.port} {self.address}"


def endpoint(url: str, address: str, password_env: str, what: str) -> Endpoint:
    """Parse `amqp[s]://[user[:password]@]host[:port]`; a missing password is read from `password_env`."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
        raise InputError([Problem.argument(what, f"expected amqp://[user@]host[:port] or amqps://..., got "
                                                  f"{redact(url)!r}")])
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InputError([Problem.argument(what, "give the queue with its --*-address option, not in the URL")])
    if not address:
        raise InputError([Problem.argument(what, "empty address: name the queue (RabbitMQ: /queue/NAME; "
                                                  "Service Bus: NAME)")])
    try:
        port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    except ValueError as exc:
        raise InputError([Problem.argument(what, f"bad port in {redact(url)!r}: {exc}")]) from None
    user = urllib.parse.unquote(parts.username) if parts.username else None
    password = urllib.parse.unquote(parts.password) if parts.password else os.environ.get(password_env)
    if user and password is None:
        raise InputError([Problem.argument(what, f"no password for {user!r}: set {password_env}")])
    return Endpoint(parts.scheme, parts.hostname, port, address, user, password)


def connect(target: Endpoint, timeout: float = 30) -> BlockingConnection:
    from proton import SSLDomain
    from proton.utils import BlockingConnection

    options: dict[str, Any] = {"timeout": timeout, "sasl_enabled": True}
    if target.user:
        options.update(user=target.user, password=target.password or "", allowed_mechs="PLAIN")
    else:
        options.update(allowed_mechs="ANONYMOUS")
    if target.scheme == "amqps":
        # Certificate and host name checked against the system's trust store.
        domain = SSLDomain(SSLDomain.MODE_CLIENT)
        domain.set_peer_authentication(SSLDomain.VERIFY_PEER_NAME)
        options["ssl_domain"] = domain
    try:
        return BlockingConnection(target.url, **options)
    except Exception as exc:  # noqa: BLE001 - proton raises several unrelated types for one failed connect
        raise QueueError(f"cannot connect to {target}: {type(exc).__name__}: {exc}") from None


def send(target: Endpoint, messages: Iterable[Message], timeout: float = 30) -> int:
    """Send each message and wait until the broker accepted it; the number sent."""
    connection = connect(target, timeout)
    sent = 0
    try:
        sender = connection.create_sender(target.address)
        for message in messages:
            sender.send(message)
            sent += 1
    except Exception as exc:  # noqa: BLE001 - one line for any broker refusal
        raise QueueError(f"sending to {target} failed after {sent} message(s): {type(exc).__name__}: {exc}") from None
    finally:
        connection.close()
    return sent


def receive(source: Endpoint, limit: int | None = None, idle: float = 2, timeout: float = 30) -> list[Message]:
    """Receive and accept messages until `limit` or until none arrives for `idle` seconds."""
    from proton import Timeout

    connection = connect(source, timeout)
    received: list[Message] = []
    try:
        receiver = connection.create_receiver(source.address, credit=_PREFETCH)
        while limit is None or len(received) < limit:
            try:
                message = receiver.receive(timeout=idle)
            except Timeout:
                break
            received.append(message)
            receiver.accept()
    finally:
        connection.close()
    return received


@dataclass
class QueueSummary:
    source: str
    target: str
    moved: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    def to_text(self) -> str:
        lines = [f"{'source':<12}{self.source}", f"{'target':<12}{self.target}",
                 f"{'moved':<12}{self.moved} message(s), each accepted by the target before its source "
                 "delivery was settled",
                 f"{'time':<12}{sum(self.seconds.values()):.1f} s"]
        if self.failure:
            lines.append(f"FAILED: {self.failure}")
        return "\n".join(lines + ["ok: the source queue is drained" if self.ok else "NOT DRAINED"])


def move(source: Endpoint, target: Endpoint, idle: float = 5, timeout: float = 30,
         progress: Progress = lambda _: None) -> QueueSummary:
    """Drain the source queue into the target: stop when nothing arrived for `idle` seconds."""
    from proton import Timeout

    summary = QueueSummary(str(source), str(target))
    started = time.monotonic()
    inbound = connect(source, timeout)
    try:
        outbound = connect(target, timeout)
    except QueueError:
        inbound.close()
        raise
    try:
        receiver = inbound.create_receiver(source.address, credit=_PREFETCH)
        sender = outbound.create_sender(target.address)
        while True:
            try:
                message = receiver.receive(timeout=idle)
            except Timeout:
                break
            try:
                sender.send(message)  # blocks until the target settles it; raises unless accepted
            except Exception as exc:  # noqa: BLE001 - give the message back to the source, then stop
                receiver.release()
                summary.failure = (f"the target refused a message after {summary.moved} moved: "
                                   f"{type(exc).__name__}: {exc}; it was released back to the source")
                break
            receiver.accept()
            summary.moved += 1
            if summary.moved % 1000 == 0:
                progress(f"{summary.moved} message(s) moved")
    except Exception as exc:  # noqa: BLE001 - a dropped link or connection: unsettled messages stay at the source
        summary.failure = f"{type(exc).__name__}: {exc} after {summary.moved} message(s) moved"
    finally:
        inbound.close()
        outbound.close()
    summary.seconds["move"] = time.monotonic() - started
    return summary
