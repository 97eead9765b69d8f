"""Workflow automation on Azure: a Logic App (Consumption) that runs an operational chore of the platform
every morning with its own managed identity, closed to every caller, its runs logged to Log Analytics.

The chore: list the storage accounts of the platform's resource group through Azure Resource Manager and
fail the run, naming them, if any accepts public network access. A failed run is a WorkflowRuntime record
in the workspace, which alerting can act on.
"""
from __future__ import annotations

from typing import Any

import pulumi
from pulumi_azure_native import logic

from hdhport.addresses import PLATFORM_CIDR
from providers.azure.arm import grant, resource_group_id, send_audit_logs
from providers.base import ServiceComponent

ROLE_READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
STORAGE_API_VERSION = "2023-05-01"

#: Workflow Definition Language (the Logic Apps schema, proprietary JSON: the SDK types it as Any).
DEFINITION: dict[str, Any] = {
    "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"resourceGroupId": {"type": "String"}},
    "triggers": {
        "every_morning": {"type": "Recurrence", "recurrence": {
            "frequency": "Day", "interval": 1, "schedule": {"hours": ["6"]}, "timeZone": "Romance Standard Time"}},
    },
    "actions": {
        "list_storage_accounts": {
            "type": "Http",
            "inputs": {
                "method": "GET",
                "uri": "@{concat('https://management.azure.com', parameters('resourceGroupId'), "
                       f"'/providers/Microsoft.Storage/storageAccounts?api-version={STORAGE_API_VERSION}')}}",
                "authentication": {"type": "ManagedServiceIdentity", "audience": "https://management.azure.com/"},
            },
            # The account list stays out of the run history.
            "runtimeConfiguration": {"secureData": {"properties": ["outputs"]}},
        },
        "publicly_reachable": {
            "type": "Query", "runAfter": {"list_storage_accounts": ["Succeeded"]},
            "inputs": {"from": "@body('list_storage_accounts')?['value']",
                       # An account created without the setting defaults to Enabled.
                       "where": "@not(equals(item()?['properties']?['publicNetworkAccess'], 'Disabled'))"},
        },
        "names": {
            "type": "Select", "runAfter": {"publicly_reachable": ["Succeeded"]},
            "inputs": {"from": "@body('publicly_reachable')", "select": "@item()?['name']"},
        },
        "any_found": {
            "type": "If", "runAfter": {"names": ["Succeeded"]},
            "expression": {"and": [{"greater": ["@length(body('names'))", 0]}]},
            "actions": {"fail_the_run": {"type": "Terminate", "inputs": {
                "runStatus": "Failed",
                "runError": {"code": "PublicStorage",
                             "message": "@{concat('Public network access is open on: ', join(body('names'), ', '))}"}}}},
        },
    },
    "outputs": {},
}


class WorkflowAutomation(ServiceComponent):
    """workflow_automation with Azure Logic Apps (Consumption, logic.Workflow): a scheduled workflow with
    a system-assigned identity holding Reader on the platform's resource group, callers and run contents
    restricted to the platform's private range (no public caller matches), secure outputs, and its runtime
    log routed to the Log Analytics workspace.

    Integration service environments are retired and Standard logic apps are App Service sites whose
    workflows are files, not ARM resources; Consumption is the only kind the SDK declares as a workflow
    definition. It runs outside the virtual network, so it acts only through Azure Resource Manager.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        private_only = logic.FlowAccessControlConfigurationPolicyArgs(
            allowed_caller_ip_addresses=[logic.IpAddressRangeArgs(address_range=PLATFORM_CIDR)])
        group_id = resource_group_id(self)
        workflow = logic.Workflow(
            self.role("workflow"), workflow_name=self.name, resource_group_name=p.scope, location=p.region,
            state=logic.WorkflowState.ENABLED,
            identity=logic.ManagedServiceIdentityArgs(type=logic.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
            definition=DEFINITION,
            parameters={"resourceGroupId": logic.WorkflowParameterArgs(type=logic.ParameterType.STRING,
                                                                       value=group_id)},
            access_control=logic.FlowAccessControlConfigurationArgs(
                triggers=private_only, contents=private_only, actions=private_only),
            tags=self.tags, opts=self.child())
        principal = workflow.identity.apply(lambda i: (i.principal_id if i else None) or "")
        grant(self, "reader", group_id, ROLE_READER, principal,
              "hdhport: the compliance workflow reads the platform's resource list")
        send_audit_logs(self, "runs", workflow.id, category_group="allLogs")
        return workflow.id, None
