"""What a stack must be given before its first `pulumi up`, and what the program does when it is not.

Part of what the platform needs comes from outside it by design: the trust anchors and the artefact mirror
out of HDH's key ceremony, the portal's TLS certificate, the firewall's inspection CA, a VPN peer. The
program states each one before it builds anything (providers/build.py `settle_prerequisites`), from the stack
configuration alone:

- under a real engine (`pulumi preview`, `pulumi up`), a blocking prerequisite left unmet stops the run
  before the first resource is registered, every unmet one named by its keys in one error: no machine is
  booted that would wait for an input nobody gave, no service is half built;
- on the SDK's mock engine (`hdhport plan`, `hdhport check`, the tests), where nothing is created, the plan
  is drawn as `pulumi up` will build it once they are given, and the unmet ones are the stack's reported
  prerequisites (`reported`), apart from the program's warnings.

A non-blocking prerequisite is an operator's choice the stack states (`hdh:identityAdmin: false`) or an input
whose absence leaves a documented alternative as secure (TLS passed through to a tier that terminates it); it is
reported, never refused. An input whose absence would weaken a control (the firewall's TLS inspection) blocks.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hdhport.stack_config import ConfigError


@dataclass(frozen=True)
class Prerequisite:
    """One input (or operator step) a stack needs from outside the program."""

    keys: tuple[str, ...]
    """The stack keys that meet it (`hdh:platformRootCa`...), or that state the operator's choice."""
    needed_by: tuple[str, ...]
    """The catalogue services (or machines) that need it."""
    without: str
    """What happens without it: why `pulumi up` refuses, or what the stack leaves to the operator."""
    doc: str
    """Where its how-to is (a section of docs/operations.md)."""
    blocking: bool = True

    def describe(self) -> str:
        who = " and ".join(self.needed_by) if len(self.needed_by) == 2 else ", ".join(self.needed_by)
        return f"{', '.join(self.keys)} (for {who}): {self.without} ({self.doc})"

    def as_dict(self) -> dict[str, object]:
        return {"keys": list(self.keys), "needed_by": list(self.needed_by), "without": self.without,
                "doc": self.doc, "blocking": self.blocking, "message": self.describe()}


def missing(*keys: str) -> tuple[str, ...]:
    """Those of the stack keys `keys` (`hdh:tlsCertificate`...) that the stack does not set. Read as secrets, so a
    secret's presence is known without reading it in clear (and without the SDK's warning for a plain `get`)."""
    import pulumi

    return tuple(key for key in keys
                 if pulumi.Config(key.partition(":")[0]).get_secret(key.partition(":")[2]) is None)


def unless_given(keys: tuple[str, ...], needed_by: str, without: str, doc: str,
                 blocking: bool = True) -> tuple[Prerequisite, ...]:
    """An implementation's prerequisite on the stack keys `keys`, naming those the stack leaves out; none when it
    gives them all."""
    left_out = missing(*keys)
    return (Prerequisite(left_out, (needed_by,), without, doc, blocking),) if left_out else ()


class UnmetPrerequisites(ConfigError):
    """A real engine's run stopped before any resource: the stack lacks what its machines or services need."""

    def __init__(self, unmet: list[Prerequisite]) -> None:
        self.unmet = unmet
        super().__init__(unmet[0].keys[0], "nothing was created: the stack does not give what it needs before "
                         "its first resource: " + "; ".join(p.describe() for p in unmet))


def merged(needs: Iterable[Prerequisite]) -> list[Prerequisite]:
    """One prerequisite per set of keys, naming every service that needs it, in the order first met."""
    by_keys: dict[tuple[tuple[str, ...], bool], Prerequisite] = {}
    for need in needs:
        known = by_keys.get((need.keys, need.blocking))
        by_keys[(need.keys, need.blocking)] = need if known is None else Prerequisite(
            known.keys, tuple(dict.fromkeys([*known.needed_by, *need.needed_by])), known.without, known.doc,
            known.blocking)
    return list(by_keys.values())


#: What the running program left unmet, for the offline planner to report (reset by it before each run).
_REPORTED: list[Prerequisite] = []


def on_mock_engine() -> bool:
    """Whether the program runs on the SDK's mock engine (an offline plan or a test): nothing is created there."""
    from pulumi.runtime import mocks, settings

    return isinstance(settings.SETTINGS.monitor, mocks.MockMonitor)


def settle(needs: Iterable[Prerequisite]) -> None:
    """Refuse the run if a blocking prerequisite is unmet and a real engine would create resources; otherwise
    keep every unmet one for the plan's report."""
    unmet = merged(needs)
    if on_mock_engine():
        _REPORTED.extend(unmet)
        return
    blocking = [p for p in unmet if p.blocking]
    if blocking:
        raise UnmetPrerequisites(blocking)


def reset() -> None:
    _REPORTED.clear()


def reported() -> list[Prerequisite]:
    """What the last runs on the mock engine left unmet since `reset`, merged."""
    return merged(_REPORTED)
