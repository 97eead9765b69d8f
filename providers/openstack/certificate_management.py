"""certificate_management on OpenStack: the Barbican certificate container Octavia terminates TLS with."""
from __future__ import annotations

import pulumi
from pulumi_openstack import keymanager

from hdhport.prerequisites import Prerequisite, unless_given
from hdhport.stack_config import ConfigError
from providers.openstack.common import OpenStackService


#: The portal's certificate and key, which this service loads into Barbican when the stack gives them.
CERTIFICATE_KEYS = ("hdh:tlsCertificate", "hdh:tlsPrivateKey")


class CertificateManagement(OpenStackService):
    """Abstract service certificate_management, with OpenStack Barbican certificate containers.

    Barbican stores certificates, it does not issue them: an ACME client obtains the platform's
    certificate. With `hdh:tlsCertificate` and `hdh:tlsPrivateKey` (and optionally
    `hdh:tlsIntermediates`) set as Pulumi secrets, this service loads them from the stack's encrypted
    configuration into three Barbican secrets (certificate, private key, issuer chain) and a container
    of type `certificate` referencing them under the names Octavia reads for TERMINATED_HTTPS (give
    load_balancer its reference in `hdh:tlsContainerRef`). ACLs with project access off: the creator
    reads them, and Octavia adds its own service user when a listener uses the container. Protected and
    retained. A renewed certificate is a new container (Barbican payloads are immutable).

    Without them it creates nothing and says so: the ACME client creates the secrets and the container
    itself, so no key transits Pulumi. Creating empty secrets for it to fill (Barbican's two-step
    creation) is not possible through pulumi-openstack: its provider uploads the payload at creation and
    Barbican answers `415 Unsupported Media Type` to an empty one (`make e2e`, 2026-12-02). The endpoint
    is the container's reference, or "" until the ACME client has made one.
    """

    @classmethod
    def prerequisites(cls) -> tuple[Prerequisite, ...]:
        return unless_given(
            CERTIFICATE_KEYS, "certificate_management",
            "without the portal's certificate "
            "Barbican holds none from this program: an ACME client makes the container, or "
            "load_balancer passes TLS through to the ingress tier, which terminates it with a "
            "certificate from the platform's step-ca; give them, then the container's reference as "
            "hdh:tlsContainerRef, for Octavia to terminate TLS", "providers/openstack/"
            "certificate_management.py", blocking=False)

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        settings = self.settings
        loaded = settings.tls_certificate is not None or settings.tls_private_key is not None
        if loaded and (settings.tls_certificate is None or settings.tls_private_key is None):
            raise ConfigError("hdh:tlsPrivateKey" if settings.tls_private_key is None else "hdh:tlsCertificate",
                              "hdh:tlsCertificate and hdh:tlsPrivateKey are set together (as Pulumi secrets)")
        if not loaded:  # the operator's choice (`prerequisites`)
            return "", None
        parts = [("certificate", "certificate", settings.tls_certificate),
                 ("private_key", "private", settings.tls_private_key),
                 ("intermediates", "certificate", settings.tls_intermediates)]
        parts = [part for part in parts if part[2] is not None]  # a chain is optional
        private = keymanager.SecretV1AclArgs(read=keymanager.SecretV1AclReadArgs(project_access=False))
        refs = []
        for name, secret_type, payload in parts:
            label = name.replace("_", "-")
            secret = keymanager.SecretV1(
                self.role(label), name=self.scoped(f"tls-{label}"), secret_type=secret_type, acl=private,
                metadata=self.tags, payload=payload, payload_content_type="text/plain", opts=self.keep())
            refs.append(keymanager.ContainerV1SecretRefArgs(name=name, secret_ref=secret.secret_ref))
        container = keymanager.ContainerV1(
            self.role("container"), name=self.scoped("tls"), type="certificate", secret_refs=refs,
            acl=keymanager.ContainerV1AclArgs(read=keymanager.ContainerV1AclReadArgs(project_access=False)),
            opts=self.keep())
        return container.container_ref, None
