"""The offline evaluator of the program's own Azure Policy rules: what it refuses, what it cannot read."""
from __future__ import annotations

from typing import Any

import pytest

from hdhport.azure_policy import arm_type, refusals
from hdhport.planner import PlannedResource


def _resource(name: str, token: str, inputs: dict[str, Any]) -> PlannedResource:
    return PlannedResource(urn=f"urn:{name}", type=token, name=name, parent="", custom=True, protect=False,
                           retain_on_delete=False, dependencies=[], inputs=inputs)


def _plan(rule: dict[str, Any], *resources: PlannedResource, mode: str = "Indexed",
          assigned: dict[str, Any] | None = None) -> list[PlannedResource]:
    definition = _resource("rule", "azure-native:authorization:PolicyDefinition", {
        "policyDefinitionName": "hdh-test", "mode": mode, "policyRule": rule,
        "parameters": {"effect": {"type": "String", "defaultValue": "Deny"},
                       "allowed": {"type": "Array", "defaultValue": ["francecentral"]}}})
    initiative = _resource("set", "azure-native:authorization:PolicySetDefinition", {
        "policyDefinitions": [{"policyDefinitionId": "rule-id",
                               "parameters": {"allowed": {"value": "[parameters('allowed')]"}}}],
        "parameters": {"allowed": {"type": "Array", "defaultValue": ["francecentral"]}}})
    assignment = _resource("assignment", "azure-native:authorization:PolicyAssignment", {
        "policyDefinitionId": "set-id",
        "parameters": {name: {"value": value} for name, value in (assigned or {}).items()}})
    return [definition, initiative, assignment, *resources]


RESIDENCY = {"if": {"allOf": [{"field": "location", "notIn": "[parameters('allowed')]"},
                              {"field": "location", "notEquals": "global"}]},
             "then": {"effect": "[parameters('effect')]"}}
CMK = {"if": {"allOf": [
    {"value": "[contains(resourceGroup(), 'managedBy')]", "equals": False},
    {"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
    {"not": {"field": "Microsoft.Storage/storageAccounts/encryption.keySource", "equals": "Microsoft.Keyvault"}}]},
    "then": {"effect": "deny"}}


def test_arm_types_come_from_the_token() -> None:
    assert arm_type("azure-native:storage:StorageAccount") == "Microsoft.storage/storageAccounts"
    assert arm_type("openstack:compute/instance:Instance") is None


def test_a_resource_outside_the_assigned_locations_is_refused_and_one_inside_is_not() -> None:
    far = _resource("far", "azure-native:network:NetworkSecurityGroup", {"location": "westeurope"})
    near = _resource("near", "azure-native:network:NetworkSecurityGroup", {"location": "francecentral"})
    refused, unknown = refusals(_plan(RESIDENCY, far, near))
    assert [r.resource.name for r in refused] == ["far"] and unknown == []
    # The assignment's value reaches the definition through the initiative.
    refused, _ = refusals(_plan(RESIDENCY, far, near, assigned={"allowed": ["westeurope", "francecentral"]}))
    assert refused == []


def test_aliases_are_read_from_the_inputs_nested_or_not() -> None:
    keyless = _resource("keyless", "azure-native:storage:StorageAccount",
                        {"location": "francecentral", "encryption": {"keySource": "Microsoft.Storage"}})
    keyed = _resource("keyed", "azure-native:storage:StorageAccount",
                      {"location": "francecentral", "encryption": {"keySource": "Microsoft.KeyVault"}})
    refused, _ = refusals(_plan(CMK, keyless, keyed))
    assert [r.resource.name for r in refused] == ["keyless"]
    vault_rule = {"if": {"field": "Microsoft.KeyVault/vaults/publicNetworkAccess", "notEquals": "Disabled"},
                  "then": {"effect": "deny"}}
    vault = _resource("vault", "azure-native:keyvault:Vault",
                      {"location": "francecentral", "properties": {"publicNetworkAccess": "Enabled"}})
    assert [r.resource.name for r in refusals(_plan(vault_rule, vault))[0]] == ["vault"]


def test_an_alias_names_the_api_property_where_the_sdk_renames_it() -> None:
    # pulumi-azure-native's `networkRuleSet` is the storage API's `networkAcls`, which aliases name.
    rule = {"if": {"allOf": [
        {"field": "Microsoft.Storage/storageAccounts/publicNetworkAccess", "notEquals": "Disabled"},
        {"field": "Microsoft.Storage/storageAccounts/networkAcls.defaultAction", "notEquals": "Deny"}]},
        "then": {"effect": "deny"}}
    denied = _resource("denied", "azure-native:storage:StorageAccount", {
        "location": "francecentral", "publicNetworkAccess": "Enabled", "networkRuleSet": {"defaultAction": "Deny"}})
    allowed = _resource("allowed", "azure-native:storage:StorageAccount", {
        "location": "francecentral", "publicNetworkAccess": "Enabled", "networkRuleSet": {"defaultAction": "Allow"}})
    assert [r.resource.name for r in refusals(_plan(rule, denied, allowed))[0]] == ["allowed"]


def test_unassigned_audit_and_data_plane_rules_refuse_nothing() -> None:
    far = _resource("far", "azure-native:network:NetworkSecurityGroup", {"location": "westeurope"})
    audit = {**RESIDENCY, "then": {"effect": "audit"}}
    assert refusals(_plan(audit, far)) == ([], [])
    assert refusals(_plan(RESIDENCY, far, mode="Microsoft.KeyVault.Data")) == ([], [])
    unassigned = [r for r in _plan(RESIDENCY, far) if r.name != "assignment"]
    assert refusals(unassigned) == ([], [])


@pytest.mark.parametrize("condition", [
    {"value": "[subscription().id]", "equals": "x"},
    {"field": "location", "containsKey": "x"},
    {"count": {"field": "tags[*]"}, "greater": 1},
])
def test_what_the_evaluator_cannot_read_is_reported_never_passed(condition: dict[str, Any]) -> None:
    far = _resource("far", "azure-native:network:NetworkSecurityGroup", {"location": "westeurope"})
    refused, unknown = refusals(_plan({"if": condition, "then": {"effect": "deny"}}, far))
    assert refused == [] and len(unknown) == 1 and unknown[0].startswith("hdh-test: ")
