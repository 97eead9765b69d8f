"""Policy governance on Azure: the platform's rules written out as Azure Policy definitions, grouped in one
initiative and assigned to the subscription with enforcement on.

The rules are our own definitions rather than references to built-in ids, so that every rule can be read
and checked here. Each alias used below also appears in a Microsoft built-in definition of the same intent
(Azure/azure-policy, built-in-policies/policyDefinitions): General/AllowedLocations_Deny,
Storage/StorageAccountCustomerManagedKeyEnabled_Audit, Compute/OSAndDataDiskCMKRequired_Deny,
Storage/StoragePublicNetworkAccess_AuditDeny, Key Vault/AzureKeyVaultPublicNetworkAccess_Audit,
Network/NetworkPublicIPNic_Deny, Key Vault/Secrets_ExpirationSet and Key Vault/Certificates_ValidityPeriod;
`networkAcls.defaultAction` in "Storage accounts should restrict network access" (Storage). pulumi-azure-native
names that property `networkRuleSet` in its inputs: Azure Policy reads the API's name, `networkAcls`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization

from providers.azure.arm import subscription_id
from providers.azure.virtual_desktop import METADATA_LOCATIONS
from providers.base import ServiceComponent

#: Where the platform may create resources: France only (HDH keeps health data in France). `global` stays
#: allowed for location-less resources (private DNS zones, Entra diagnostic settings), which hold no data.
FRANCE_REGIONS = ("francecentral", "francesouth")

#: Longest validity of a TLS certificate in a platform vault (browsers cap public certificates lower still).
MAX_CERTIFICATE_MONTHS = 12

_EFFECT = {"effect": authorization.ParameterDefinitionsValueArgs(
    type=authorization.ParameterType.STRING, allowed_values=["Audit", "Deny", "Disabled"], default_value="Deny",
    metadata=authorization.ParameterDefinitionsValueMetadataArgs(
        display_name="Effect", description="Deny enforces the rule; Audit only reports"))}


@dataclass(frozen=True)
class Rule:
    """One policy definition: its name, what it says, its mode and its rule as Azure Policy JSON."""

    name: str
    display_name: str
    description: str
    mode: str
    rule: dict[str, Any]
    parameters: dict[str, authorization.ParameterDefinitionsValueArgs]


def _locations_parameter(default: list[str]) -> dict[str, authorization.ParameterDefinitionsValueArgs]:
    return {"listOfAllowedLocations": authorization.ParameterDefinitionsValueArgs(
        type=authorization.ParameterType.ARRAY, default_value=default,
        metadata=authorization.ParameterDefinitionsValueMetadataArgs(
            display_name="Allowed locations", description="Azure regions where resources may be created",
            strong_type="location"))}


def rules(allowed_locations: list[str]) -> list[Rule]:
    """The platform's rules: residency in France, customer-managed keys, no public network access, no
    public IP on a machine, expiring secrets and short-lived certificates, and the tags every resource carries."""
    deny = "[parameters('effect')]"
    return [
        Rule("hdh-allowed-locations", "HDH: resources only in France",
             "Health data stays in France: any resource outside the allowed regions is refused.", "Indexed",
             {"if": {"allOf": [
                 {"field": "location", "notIn": "[parameters('listOfAllowedLocations')]"},
                 {"field": "location", "notEquals": "global"},
                 # The one exception, explicit: Azure Virtual Desktop keeps its control-plane objects (names,
                 # user principal names; never session data) only in a few regions, none in France, so
                 # virtual_desktop places them in the EU geography; its session hosts stay in France.
                 {"not": {"allOf": [{"field": "type", "like": "Microsoft.DesktopVirtualization/*"},
                                    {"field": "location", "in": sorted(METADATA_LOCATIONS)}]}}]},
              "then": {"effect": "deny"}},
             _locations_parameter(allowed_locations)),
        # Mode Indexed skips resource groups, which carry a location too: a second rule in mode All.
        Rule("hdh-allowed-locations-rg", "HDH: resource groups only in France",
             "Resource groups (and the metadata they hold) are created in the allowed regions only.", "All",
             {"if": {"allOf": [
                 {"field": "type", "equals": "Microsoft.Resources/subscriptions/resourceGroups"},
                 {"field": "location", "notIn": "[parameters('listOfAllowedLocations')]"}]},
              "then": {"effect": "deny"}},
             _locations_parameter(allowed_locations)),
        Rule("hdh-require-cmk", "HDH: data at rest encrypted with the customer-managed key",
             "Storage accounts use a Key Vault key; managed disks and VM disks use a disk encryption set.",
             "Indexed",
             # Resource groups another Azure service manages (Databricks' workspace group holding DBFS, the
             # AKS node group holding volumes) are created by that service with its own encryption settings,
             # which the platform sets on the workspace or cluster (customer key for managed disks and DBFS);
             # denying them would stop the service from provisioning at all.
             {"if": {"allOf": [{"value": "[contains(resourceGroup(), 'managedBy')]", "equals": False}, {"anyOf": [
                 {"allOf": [{"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
                            {"not": {"field": "Microsoft.Storage/storageAccounts/encryption.keySource",
                                     "equals": "Microsoft.Keyvault"}}]},
                 {"allOf": [{"field": "type", "equals": "Microsoft.Compute/disks"},
                            {"field": "Microsoft.Compute/disks/encryption.diskEncryptionSetId", "exists": "false"}]},
                 {"allOf": [{"field": "type", "equals": "Microsoft.Compute/virtualMachines"},
                            {"field": "Microsoft.Compute/virtualMachines/storageProfile.osDisk.managedDisk"
                                      ".diskEncryptionSet.id", "exists": "false"}]}]}]},
              "then": {"effect": deny}},
             _EFFECT),
        Rule("hdh-deny-public-network-access", "HDH: no public network access to data stores",
             "Storage accounts and key vaults are reached through private endpoints only; a storage account "
             "Azure services write into keeps public access Enabled only behind a firewall that denies by default.",
             "Indexed",
             {"if": {"anyOf": [
                 {"allOf": [{"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
                            {"field": "Microsoft.Storage/storageAccounts/publicNetworkAccess",
                             "notEquals": "Disabled"},
                            # The stated exception: the archives Azure Monitor, Cost Management and Azure Backup
                            # write into (storage_account.AccountShape.trusted_services) stay Enabled, since
                            # Azure honours the trusted-services exception only then, with defaultAction Deny.
                            {"field": "Microsoft.Storage/storageAccounts/networkAcls.defaultAction",
                             "notEquals": "Deny"}]},
                 {"allOf": [{"field": "type", "equals": "Microsoft.KeyVault/vaults"},
                            {"field": "Microsoft.KeyVault/vaults/createMode", "notEquals": "recover"},
                            {"field": "Microsoft.KeyVault/vaults/publicNetworkAccess", "notEquals": "Disabled"}]}]},
              "then": {"effect": deny}},
             _EFFECT),
        # Public IPs as such stay allowed: the bastion (the single administrative entry point), NAT egress
        # and gateways need one. What is refused is a public IP on a machine's network interface.
        Rule("hdh-deny-nic-public-ip", "HDH: no public IP on a virtual machine",
             "Machines are reached through the bastion or the virtual desktop, never directly.", "Indexed",
             {"if": {"allOf": [
                 {"field": "type", "equals": "Microsoft.Network/networkInterfaces"},
                 {"not": {"field": "Microsoft.Network/networkInterfaces/ipconfigurations[*].publicIpAddress.id",
                          "notLike": "*"}}]},
              "then": {"effect": deny}},
             _EFFECT),
        # Data-plane rules (mode Microsoft.KeyVault.Data), enforced by Key Vault itself on every write.
        Rule("hdh-secrets-expire", "HDH: every secret has an expiry date",
             "A secret without an expiry is never rotated: Key Vault refuses it.", "Microsoft.KeyVault.Data",
             {"if": {"allOf": [
                 {"field": "type", "equals": "Microsoft.KeyVault.Data/vaults/secrets"},
                 {"field": "Microsoft.KeyVault.Data/vaults/secrets/attributes.expiresOn", "exists": "false"}]},
              "then": {"effect": deny}},
             _EFFECT),
        Rule("hdh-certificates-short-lived", "HDH: TLS certificates valid for 12 months at most",
             "Long-lived certificates are not renewed in practice: Key Vault refuses validity above 12 months.",
             "Microsoft.KeyVault.Data",
             {"if": {"allOf": [
                 {"field": "type", "equals": "Microsoft.KeyVault.Data/vaults/certificates"},
                 {"field": "Microsoft.KeyVault.Data/vaults/certificates/properties.validityInMonths",
                  "greater": MAX_CERTIFICATE_MONTHS}]},
              "then": {"effect": deny}},
             _EFFECT),
        # Audit, not deny: interfaces of private endpoints are created by Azure itself without tags, and a
        # deny would block them.
        Rule("hdh-require-tags", "HDH: resources carry the platform's tags",
             "Every resource says which service and project it belongs to and how its data is classified.",
             "Indexed",
             {"if": {"anyOf": [{"field": f"tags['{tag}']", "exists": "false"}
                               for tag in ("hdh-service", "hdh-enclave", "data-classification")]},
              "then": {"effect": "audit"}},
             {}),
    ]


class PolicyGovernance(ServiceComponent):
    """policy_governance with Azure Policy: custom definitions (residency in France, customer-managed keys,
    no public network access, no public IP on machines, expiring secrets, short-lived certificates, tags),
    one initiative, one enforced assignment
    on the subscription so that resources created outside this program are held to the same rules.

    The same rules are checked before deployment by the toolkit's policy pack on the plan; Azure Policy
    enforces them after, at the API, whoever deploys.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        subscription = subscription_id()
        allowed = sorted({*FRANCE_REGIONS, self.placement.region})
        definitions: list[authorization.PolicyDefinition] = []
        references: list[authorization.PolicyDefinitionReferenceArgs] = []
        for rule in rules(allowed):
            definition = authorization.PolicyDefinition(
                self.role(rule.name.removeprefix("hdh-")), policy_definition_name=rule.name,
                display_name=rule.display_name, description=rule.description, mode=rule.mode,
                policy_type=authorization.PolicyType.CUSTOM, policy_rule=rule.rule, parameters=rule.parameters,
                metadata={"category": "HDH platform", "managed-by": "hdhport"}, opts=self.child())
            definitions.append(definition)
            passed = {"listOfAllowedLocations": authorization.ParameterValuesValueArgs(
                value="[parameters('listOfAllowedLocations')]")} if "listOfAllowedLocations" in rule.parameters else None
            references.append(authorization.PolicyDefinitionReferenceArgs(
                policy_definition_id=definition.id, policy_definition_reference_id=rule.name, parameters=passed))
        initiative = authorization.PolicySetDefinition(
            self.role("baseline"), policy_set_definition_name="hdh-baseline",
            display_name="HDH platform baseline",
            description="Residency in France, customer-managed keys, private access only, tags.",
            policy_type=authorization.PolicyType.CUSTOM, policy_definitions=references,
            parameters=_locations_parameter(allowed), metadata={"category": "HDH platform", "managed-by": "hdhport"},
            opts=self.child(depends_on=definitions))
        assignment = authorization.PolicyAssignment(
            self.role("assignment"), policy_assignment_name="hdh-baseline", scope=subscription,
            policy_definition_id=initiative.id, display_name="HDH platform baseline",
            description="Enforced on the whole subscription: the platform and every research-project enclave.",
            enforcement_mode=authorization.EnforcementMode.DEFAULT,
            parameters={"listOfAllowedLocations": authorization.ParameterValuesValueArgs(value=allowed)},
            non_compliance_messages=[authorization.NonComplianceMessageArgs(
                message="Refused by the HDH platform baseline: health data stays in France, encrypted with the "
                        "customer's key, reachable only privately.")],
            opts=self.child())
        return assignment.id, None
