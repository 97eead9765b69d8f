"""certificate_management on OpenStack: the Barbican certificate container Octavia terminates TLS with."""
from __future__ import annotations

import pulumi
from pulumi_openstack import keymanager

from infra.config import ConfigError
from providers.openstack.common import OpenStackService
from providers.openstack.secrets_store import UPLOADED_LATER


class CertificateManagement(OpenStackService):
    """Abstract service certificate_management, with OpenStack Barbican certificate containers.

    Barbican stores certificates, it does not issue them: an ACME client obtains the platform's
    certificate. This service makes the place it goes: three Barbican secrets (certificate, private
    key, issuer chain) and a container of type `certificate` referencing them under the names
    Octavia reads for TERMINATED_HTTPS (give load_balancer its reference in `hdh:tlsContainerRef`).
    Both ways keep the private key out of plain configuration:
    - without configuration, the secrets are created empty and the ACME client uploads the PEM
      payloads (Barbican's two-step creation), so no key transits Pulumi;
    - with `hdh:tlsCertificate` and `hdh:tlsPrivateKey` (and optionally `hdh:tlsIntermediates`)
      set as Pulumi secrets, they are loaded from the stack's encrypted configuration.
    ACLs with project access off: the creator reads them, and Octavia adds its own service user
    when a listener uses the container. Protected and retained. A renewed certificate is a new
    container (Barbican payloads are immutable): the ACME hook creates it and updates the listener.
    The endpoint is the container's reference.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        settings = self.settings
        loaded = settings.tls_certificate is not None or settings.tls_private_key is not None
        if loaded and (settings.tls_certificate is None or settings.tls_private_key is None):
            raise ConfigError("hdh:tlsPrivateKey" if settings.tls_private_key is None else "hdh:tlsCertificate",
                              "hdh:tlsCertificate and hdh:tlsPrivateKey are set together (as Pulumi secrets)")
        parts = [("certificate", "certificate", settings.tls_certificate),
                 ("private_key", "private", settings.tls_private_key),
                 ("intermediates", "certificate", settings.tls_intermediates)]
        if loaded:
            parts = [part for part in parts if part[2] is not None]  # a chain is optional
        private = keymanager.SecretV1AclArgs(read=keymanager.SecretV1AclReadArgs(project_access=False))
        refs = []
        for name, secret_type, payload in parts:
            label = name.replace("_", "-")
            secret = keymanager.SecretV1(
                self.role(label), name=self.scoped(f"tls-{label}"), secret_type=secret_type, acl=private,
                metadata=self.tags, payload=payload, payload_content_type="text/plain" if loaded else None,
                opts=self.keep() if loaded else self.keep(ignore_changes=UPLOADED_LATER))
            refs.append(keymanager.ContainerV1SecretRefArgs(name=name, secret_ref=secret.secret_ref))
        container = keymanager.ContainerV1(
            self.role("container"), name=self.scoped("tls"), type="certificate", secret_refs=refs,
            acl=keymanager.ContainerV1AclArgs(read=keymanager.ContainerV1AclReadArgs(project_access=False)),
            opts=self.keep())
        return container.container_ref, None
