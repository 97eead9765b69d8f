"""What a stack must give before its first `pulumi up` (hdhport/prerequisites.py, issue 12): under a real engine an
unmet blocking prerequisite stops the run before the first resource, every one named; an offline plan reports
them apart from its warnings."""
from __future__ import annotations

from typing import Any

import pulumi
import pytest

from hdhport import planner, prerequisites
from hdhport.prerequisites import Prerequisite, UnmetPrerequisites

ANCHORS = ("hdh:platformRootCa", "hdh:archiveKeyring", "hdh:artefactMirror")
PEER = ("hdh:vpnPeerCidrs", "hdh:vpnPeerAddress", "hdh:vpnSharedKey")


@pytest.fixture
def real_engine(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The program believes it runs under `pulumi up` (it still runs on the mock engine, which creates nothing);
    returns the resources it declares, in order, the stack's own left out."""
    declared: list[str] = []
    original = pulumi.Resource.__init__

    def recording(self: pulumi.Resource, t: str, name: str, *args: Any, **kwargs: Any) -> None:
        if t != "pulumi:pulumi:Stack":
            declared.append(f"{t}::{name}")
        original(self, t, name, *args, **kwargs)

    monkeypatch.setattr(prerequisites, "on_mock_engine", lambda: False)
    monkeypatch.setattr(pulumi.Resource, "__init__", recording)
    return declared


def test_a_real_engine_refuses_the_stack_before_its_first_resource_naming_every_blocking_input(
        real_engine: list[str]) -> None:
    with pytest.raises(UnmetPrerequisites) as caught:
        planner.run("openstack-reference", planner.stack_config("openstack-reference") | {"hdh:enclaves": 1})
    assert real_engine == []  # not even the landing zone or a network
    assert [p.keys for p in caught.value.unmet] == [ANCHORS, PEER]
    message = str(caught.value)
    assert message.startswith("hdh:platformRootCa: nothing was created: the stack does not give what it needs")
    assert "hdh:vpnPeerCidrs, hdh:vpnPeerAddress, hdh:vpnSharedKey (for site_to_site_vpn)" in message
    # What the stack leaves to the operator, by a choice it states or a working alternative, is never refused.
    assert "certificate_management" not in message and "hdh:identityAdmin" not in message


def test_given_everything_blocking_a_real_engine_builds(real_engine: list[str]) -> None:
    config = planner.stack_config("openstack-reference") | {
        "hdh:enclaves": 1, "hdh:artefactMirror": "https://artefacts.hdh.example.eu/m",
        "hdh:vpnPeerCidrs": ["192.168.10.0/24"], "hdh:vpnPeerAddress": "203.0.113.7", "hdh:vpnSharedKey": "s3cret"}
    with pytest.raises(UnmetPrerequisites) as caught:
        planner.run("openstack-reference", config)
    assert [p.keys for p in caught.value.unmet] == [ANCHORS[:2]]  # only what is still missing
    from tests.test_trust_anchors import certificate

    keyring = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQAA\n-----END PGP PUBLIC KEY BLOCK-----\n"
    result = planner.run("openstack-reference", config | {"hdh:platformRootCa": certificate(),
                                                          "hdh:archiveKeyring": keyring})
    assert real_engine and result.resources
    assert any(r.type == "openstack:vpnaas/siteConnection:SiteConnection" for r in result.resources)


def test_an_enclave_stack_is_refused_before_it_reads_the_platform_stack(real_engine: list[str]) -> None:
    config = planner.stack_config("ovhcloud-public-cloud") | {
        "hdh:platformStack": "organization/hdhport/ovhcloud-public-cloud", "hdh:enclaves": ["project-009"]}
    with pytest.raises(UnmetPrerequisites) as caught:
        planner.run("ovh-enclaves", config)
    # its machines install through the platform's relay: the mirror's URL is the platform stack's to give
    assert real_engine == [] and [p.keys for p in caught.value.unmet] == [ANCHORS[:2]]
    assert caught.value.unmet[0].needed_by[-1] == "the research machines (cpu_vm, gpu_vm)"


def test_an_offline_plan_reports_them_once_each_and_draws_the_stack() -> None:
    result = planner.run("openstack-reference", planner.stack_config("openstack-reference") | {"hdh:enclaves": 2})
    assert result.resources and result.warnings == []
    assert [(p.keys, p.blocking) for p in result.prerequisites] == [
        (ANCHORS, True), (PEER, True), (("hdh:tlsCertificate", "hdh:tlsPrivateKey"), False)]


def test_the_same_keys_needed_twice_are_one_prerequisite_naming_both() -> None:
    one = Prerequisite(("hdh:a",), ("x",), "why", "doc")
    assert prerequisites.merged([one, Prerequisite(("hdh:a",), ("y", "x"), "other", "doc"),
                                 Prerequisite(("hdh:b",), ("z",), "why", "doc", blocking=False)]) == [
        Prerequisite(("hdh:a",), ("x", "y"), "why", "doc"), Prerequisite(("hdh:b",), ("z",), "why", "doc", False)]
    assert one.describe() == "hdh:a (for x): why (doc)"
