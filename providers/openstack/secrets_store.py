"""secrets_store on OpenStack: Barbican secrets for the applications, private to the platform's identity."""
from __future__ import annotations

import pulumi
from pulumi_openstack import keymanager

from providers.openstack.common import OpenStackService

#: Barbican reads back a payload uploaded after creation; Pulumi must not undo the upload.
UPLOADED_LATER = ["payload", "payload_content_type", "payload_content_encoding"]


class SecretsStore(OpenStackService):
    """Abstract service secrets_store, with OpenStack Barbican secrets.

    One Barbican secret per application secret named in `hdh:applicationSecrets` (default: the
    database owner's password, the OIDC client secret, the SMTP relay password), created without a
    payload: Barbican's two-step creation lets the pipeline that owns a secret upload its value
    (`PUT /v1/secrets/<id>`), so no value ever transits Pulumi or its state. Each secret and the
    generic container that lists them carry an ACL with project access off: only their creator
    (the platform's identity, whose application credentials the workloads use) reads them, not
    every member of the project. Protected and retained. Barbican does not rotate secrets: rotation
    is the owning pipeline's job. The endpoint is the container's reference.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        private = keymanager.SecretV1AclArgs(read=keymanager.SecretV1AclReadArgs(project_access=False))
        refs = []
        for name in self.settings.application_secrets:
            secret = keymanager.SecretV1(
                self.role(name), name=self.scoped(name), secret_type="passphrase", acl=private,
                metadata=self.tags, opts=self.keep(ignore_changes=UPLOADED_LATER))
            refs.append(keymanager.ContainerV1SecretRefArgs(name=name, secret_ref=secret.secret_ref))
        container = keymanager.ContainerV1(
            self.role("container"), name=self.scoped("application-secrets"), type="generic", secret_refs=refs,
            acl=keymanager.ContainerV1AclArgs(read=keymanager.ContainerV1AclReadArgs(project_access=False)),
            opts=self.keep())
        return container.container_ref, None
