"""ml_workspace on Azure: an Azure Machine Learning workspace whose MLflow tracking server and model
registry are reached only through a private endpoint, encrypted with the customer-managed key."""
from __future__ import annotations

import pulumi

from providers.azure.aml import ml_workspace
from providers.base import ServiceComponent


class MlWorkspace(ServiceComponent):
    """ml_workspace with Azure Machine Learning (see providers/azure/aml.py for the workspace itself).

    The workspace is high business impact, encrypted with placement.key_ref (service-side), with public
    network access disabled; its default store (versioning and soft delete on, no account key), its
    Application Insights (workspace-based, no public ingestion or query) and the platform's Key Vault
    complete it. Serverless jobs run in placement.subnet_id without public IPs.

    The endpoint is the workspace's MLflow tracking URI, so experiments are logged with the open MLflow
    client; jobs, computes and online endpoints use the proprietary Azure ML API.

    Limits: images for custom environments are built in the platform's container registry; attach it to
    the workspace (container_registry is another service and its id is not part of the placement),
    otherwise Azure creates a registry of its own on the first image build.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        region = self.placement.region
        created = ml_workspace(self, "Experiment tracking and model registry (MLflow) of the platform")
        endpoint = created.workspace.id.apply(
            lambda workspace_id: f"azureml://{region}.api.azureml.ms/mlflow/v1.0{workspace_id}")
        return endpoint, self.placement.key_ref
