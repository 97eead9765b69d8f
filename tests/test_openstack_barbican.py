"""Barbican as a real cloud answers it (found by `make e2e`, 2026-12-02): pulumi-openstack uploads a secret's
payload when it creates it and Barbican refuses an empty one, so nothing is planned as an empty secret."""
from __future__ import annotations

from hdhport.planner import record
from providers.build import build_service
from providers.testing import PLACEMENTS, SIZINGS, catalogue, record_service
from hdhport.resolve import Resolution


def test_application_secrets_are_generated_by_barbican_never_created_empty() -> None:
    result = record_service("secrets_store", "openstack")
    secrets = [r for r in result.resources if r.type == "openstack:keymanager/secretV1:SecretV1"]
    orders = [r for r in result.resources if r.type == "openstack:keymanager/orderV1:OrderV1"]
    assert secrets == [] and len(orders) == 1
    assert all(o.inputs["meta"]["bitLength"] == 256 and o.protect for o in orders)


def test_without_a_loaded_certificate_nothing_is_created_and_the_plan_says_why() -> None:
    from providers.openstack.certificate_management import CertificateManagement

    service = catalogue().service("certificate_management")
    resolution = Resolution(service.id, "native", "openstack", "OpenStack Barbican", "test")
    needs = []

    def program() -> None:
        needs.extend(CertificateManagement.prerequisites())
        build_service(service, resolution, PLACEMENTS["openstack"], SIZINGS["openstack"])

    result = record(program, stack="certificate-management-bare", config={})
    assert [r.type for r in result.resources if r.custom] == [] and result.warnings == []
    # Not a blocking prerequisite: without it load_balancer passes TLS through to the ingress tier.
    (need,) = needs
    assert need.keys == ("hdh:tlsCertificate", "hdh:tlsPrivateKey") and not need.blocking
    assert "an ACME client makes the container" in need.without
    loaded = record_service("certificate_management", "openstack")
    assert {r.type for r in loaded.resources if r.custom} == {
        "openstack:keymanager/secretV1:SecretV1", "openstack:keymanager/containerV1:ContainerV1"}
    assert all(r.inputs.get("payloadContentType") == "text/plain" for r in loaded.resources
               if r.type == "openstack:keymanager/secretV1:SecretV1")


def test_the_database_owner_gets_a_password_without_a_stack_input_and_its_secret_keeps_it() -> None:
    """Issue 12: without hdh:databaseOwnerPassword Trove's owner user was never created (a plan warning); now a
    password is drawn at the first `pulumi up`, kept by every rerun, and written to a private Barbican secret."""
    result = record_service("relational_database", "openstack")
    assert not [w for w in result.warnings if "owner" in w]
    user = next(r for r in result.resources if r.type == "openstack:database/user:User")
    secret = next(r for r in result.resources if r.type == "openstack:keymanager/secretV1:SecretV1")
    assert user.inputs["name"] == "hdh_owner" and user.ignore_changes == ["password"]
    assert secret.ignore_changes == ["payload"] and secret.protect and secret.retain_on_delete  # holds data
    assert secret.inputs["acl"] == {"read": {"projectAccess": False}}
    assert secret.inputs["payloadContentType"] == "text/plain"  # Barbican refuses an empty payload: it has one
