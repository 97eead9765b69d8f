"""notebook_server on Azure: an Azure Machine Learning compute instance (JupyterLab, RStudio) with no
public IP, in the platform's subnet or, for a research project, in the enclave's own subnet and its
own workspace."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import machinelearningservices as aml

from providers.azure.aml import ml_workspace
from providers.azure.arm import global_name
from providers.base import ServiceComponent

#: A forgotten notebook stops after an hour without activity (no cost, no open session left running).
IDLE_SHUTDOWN = "PT60M"


class NotebookServer(ServiceComponent):
    """notebook_server with Azure Machine Learning compute instances.

    Each component gets a workspace of its own (providers/azure/aml.py: private, CMK, high business
    impact), so a research project's notebooks, datastores and experiments never share a workspace with
    another project's; the compute instance is injected in placement.subnet_id (the enclave's subnet),
    has no public IP, no SSH, single sign-on with Entra ID, personal authorisation, and shuts down when
    idle. Its endpoint is the instance's JupyterLab URL, reached through the workspace's private endpoint.

    Limits: a compute instance belongs to one person; this one belongs to the principal running
    `pulumi up` (the placement carries no list of the project's members). Members create their own
    instances in the project's workspace with the same settings, which the workspace's private network and
    the enclave subnet impose.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        scope = f"research project {self.enclave}" if self.enclave else "the platform"
        created = ml_workspace(self, f"Notebooks of {scope}")
        # Compute instance names are unique within a region, across every tenant.
        instance_name = global_name("ci", self.name, 24)
        instance = aml.Compute(
            self.role("instance"), resource_group_name=p.scope, location=p.region,
            workspace_name=created.name,
            compute_name=instance_name,
            properties=aml.ComputeInstanceArgs(
                compute_type="ComputeInstance", disable_local_auth=True,
                description=f"JupyterLab and RStudio for {scope}",
                properties=aml.ComputeInstancePropertiesArgs(
                    vm_size=self.sizing.cpu_flavor,
                    subnet=aml.ResourceIdArgs(id=p.subnet_id),
                    enable_node_public_ip=False,
                    enable_sso=True,
                    application_sharing_policy=aml.ApplicationSharingPolicy.PERSONAL,
                    compute_instance_authorization_type=aml.ComputeInstanceAuthorizationType.PERSONAL,
                    ssh_settings=aml.ComputeInstanceSshSettingsArgs(ssh_public_access=aml.SshPublicAccess.DISABLED),
                    idle_time_before_shutdown=IDLE_SHUTDOWN)),
            tags=self.tags, opts=self.keep(depends_on=[created.workspace]))
        # Resolved to the workspace's private endpoint by the privatelink.api.azureml.ms zone.
        return instance.id.apply(lambda _: f"https://{instance_name}.{p.region}.instances.azureml.ms/lab"), p.key_ref
