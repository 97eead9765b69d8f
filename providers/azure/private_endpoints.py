"""private_endpoints on Azure: the platform's Private Link plumbing, so that every private endpoint,
whoever creates it, resolves: an Azure Policy initiative that gives any private endpoint of a known
kind the DNS zone group of its privatelink zones, remediated by a managed identity."""
from __future__ import annotations

from typing import Any

import pulumi
from pulumi_azure_native import authorization

from providers.azure.arm import grant, resource_group_id
from providers.azure.private_link import LINKS, Link, zone_id
from providers.base import ServiceComponent

#: Built-in role "Network Contributor": write a zone group on an endpoint and join the zones.
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
DEFINITION = "hdh-private-endpoint-dns"
ENDPOINT = "Microsoft.Network/privateEndpoints"
CONNECTION = f"{ENDPOINT}/privateLinkServiceConnections[*]"

#: What the policy deploys: the endpoint's zone group, one config per zone (ARM template; the policy
#: engine passes it to Resource Manager as it is).
ZONE_GROUP_TEMPLATE: dict[str, Any] = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"privateDnsZoneIds": {"type": "array"}, "privateEndpointName": {"type": "string"},
                   "location": {"type": "string"}},
    "resources": [{
        "type": f"{ENDPOINT}/privateDnsZoneGroups",
        "apiVersion": "2023-09-01",
        "name": "[concat(parameters('privateEndpointName'), '/default')]",
        "location": "[parameters('location')]",
        "properties": {"copy": [{
            "name": "privateDnsZoneConfigs",
            "count": "[length(parameters('privateDnsZoneIds'))]",
            "input": {
                "name": "[replace(last(split(parameters('privateDnsZoneIds')[copyIndex('privateDnsZoneConfigs')], "
                        "'/')), '.', '-')]",
                "properties": {"privateDnsZoneId": "[parameters('privateDnsZoneIds')[copyIndex('privateDnsZoneConfigs')]]"},
            },
        }]},
    }],
}

POLICY_RULE: dict[str, Any] = {
    "if": {"allOf": [
        {"field": "type", "equals": ENDPOINT},
        {"count": {"field": f"{CONNECTION}.groupIds[*]",
                   "where": {"field": f"{CONNECTION}.groupIds[*]", "equals": "[parameters('groupId')]"}},
         "greaterOrEquals": 1},
        # Group ids alone are ambiguous ("portal" is Data Factory's and Purview's): match the target's type.
        {"count": {"field": CONNECTION,
                   "where": {"field": f"{CONNECTION}.privateLinkServiceId", "contains": "[parameters('resourceType')]"}},
         "greaterOrEquals": 1},
    ]},
    "then": {"effect": "[parameters('effect')]", "details": {
        # Any zone group already there (made by providers/azure/private_link.py) satisfies the policy.
        "type": f"{ENDPOINT}/privateDnsZoneGroups",
        "evaluationDelay": "AfterProvisioningSuccess",
        "roleDefinitionIds": [f"/providers/Microsoft.Authorization/roleDefinitions/{NETWORK_CONTRIBUTOR}"],
        "deployment": {"properties": {
            "mode": "incremental",
            "template": ZONE_GROUP_TEMPLATE,
            "parameters": {"privateDnsZoneIds": {"value": "[parameters('privateDnsZoneIds')]"},
                           "privateEndpointName": {"value": "[field('name')]"},
                           "location": {"value": "[field('location')]"}},
        }},
    }},
}


def _parameter(kind: authorization.ParameterType, description: str,
               allowed: list[str] | None = None, default: str | None = None) -> authorization.ParameterDefinitionsValueArgs:
    return authorization.ParameterDefinitionsValueArgs(
        type=kind, allowed_values=allowed, default_value=default,
        metadata=authorization.ParameterDefinitionsValueMetadataArgs(description=description))


PARAMETERS = {
    "groupId": _parameter(authorization.ParameterType.STRING, "Private-link sub-resource (blob, vault, ...)"),
    "resourceType": _parameter(authorization.ParameterType.STRING, "Resource type of the endpoint's target"),
    "privateDnsZoneIds": _parameter(authorization.ParameterType.ARRAY, "Ids of the zones its records go to"),
    "effect": _parameter(authorization.ParameterType.STRING, "DeployIfNotExists registers the endpoint",
                         ["DeployIfNotExists", "Disabled"], "DeployIfNotExists"),
}


class PrivateEndpoints(ServiceComponent):
    """private_endpoints with Azure Private Link: name resolution of every private endpoint, guaranteed.

    Services open their endpoints themselves (the one place their target's id is known) and most
    register them with `providers/azure/private_link.py`. This service makes the registration hold for
    any endpoint, including those made without a zone group, by other tools or by a later stack: one
    DeployIfNotExists policy (`hdh-private-endpoint-dns`), referenced once per kind in
    private_link.LINKS with that kind's group id, target type and privatelink zones (created by
    private_dns), grouped in one initiative assigned to the platform's resource group. Its managed
    identity holds Network Contributor on that resource group only, enough to add a zone group to an
    endpoint and join the zones. New endpoints are registered once provisioned; existing ones through a
    remediation task. The endpoint returned is the assignment's id.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        scope = resource_group_id(self)
        definition = authorization.PolicyDefinition(
            self.role("definition"), policy_definition_name=DEFINITION,
            display_name="HDH: private endpoints register in the privatelink DNS zones",
            description="Adds the privatelink zone group to a private endpoint of the given kind that has none.",
            mode="Indexed", policy_type=authorization.PolicyType.CUSTOM, policy_rule=POLICY_RULE,
            parameters=PARAMETERS, metadata={"category": "HDH platform", "managed-by": "hdhport"},
            opts=self.child())

        def reference(kind: str, link: Link) -> authorization.PolicyDefinitionReferenceArgs:
            zones = [zone_id(self, zone) for zone in link.zones_in(p.region)]
            return authorization.PolicyDefinitionReferenceArgs(
                policy_definition_id=definition.id, policy_definition_reference_id=f"dns-{kind}",
                parameters={
                    "groupId": authorization.ParameterValuesValueArgs(value=link.group),
                    "resourceType": authorization.ParameterValuesValueArgs(value=link.resource_type),
                    "privateDnsZoneIds": authorization.ParameterValuesValueArgs(value=pulumi.Output.all(*zones)),
                })

        initiative = authorization.PolicySetDefinition(
            self.role("initiative"), policy_set_definition_name=f"{DEFINITION}-set",
            display_name="HDH: DNS registration of private endpoints",
            description="One reference per kind of private endpoint the platform opens.",
            policy_type=authorization.PolicyType.CUSTOM,
            policy_definitions=[reference(kind, link) for kind, link in sorted(LINKS.items())],
            metadata={"category": "HDH platform", "managed-by": "hdhport"}, opts=self.child())
        assignment = authorization.PolicyAssignment(
            self.role("assignment"), policy_assignment_name=f"{DEFINITION}-{self.name}"[:64], scope=scope,
            policy_definition_id=initiative.id, location=p.region,
            display_name="HDH: DNS registration of private endpoints",
            description="Every private endpoint of the platform's resource group resolves through its privatelink zone.",
            identity=authorization.IdentityArgs(type=authorization.ResourceIdentityType.SYSTEM_ASSIGNED),
            enforcement_mode=authorization.EnforcementMode.DEFAULT, opts=self.child())
        grant(self, "remediation", scope, NETWORK_CONTRIBUTOR,
              assignment.identity.apply(lambda identity: (identity.principal_id or "") if identity else ""),
              "DNS registration of private endpoints (policy remediation)")
        return assignment.id, None
