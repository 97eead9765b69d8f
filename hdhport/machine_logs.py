"""Every machine an Azure plan builds sends its logs to the platform's Log Analytics workspace (review
2026-12-02, F15), read from the planned resources alone.

- A virtual machine (self-hosted services, research machines, virtual desktop session hosts) carries the
  Azure Monitor Agent of its operating system (AzureMonitorLinuxAgent, AzureMonitorWindowsAgent), is associated
  with a collection rule of that system (syslog, Windows event logs) sending to a Log Analytics workspace, and
  with the data collection endpoint it reads that rule from: the workspace takes nothing but Private Link, and
  there Azure Monitor wants the endpoint associated by the name `configurationAccessEndpoint`.
- An AKS cluster runs the omsagent add-on on a workspace with managed-identity authentication, and is
  associated with a Container insights rule sending to a workspace and with the endpoint.
- A Batch pool is the exception Azure imposes: its nodes (BatchService allocation) have no resource id a rule
  could be associated with. It is reported as that limitation while the Batch account's own logs reach a
  workspace, as missing logs otherwise.

A rule or endpoint an enclave stack reads from the platform stack's outputs (a StackReference) is taken as the
platform's, which the platform stack's own plan checks.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hdhport.planner import PlannedResource

VM = "azure-native:compute:VirtualMachine"
EXTENSION = "azure-native:compute:VirtualMachineExtension"
ASSOCIATION = "azure-native:monitor:DataCollectionRuleAssociation"
RULE = "azure-native:monitor:DataCollectionRule"
CLUSTER = "azure-native:containerservice:ManagedCluster"
POOL = "azure-native:batch:Pool"
BATCH_ACCOUNT = "azure-native:batch:BatchAccount"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
ENDPOINT_ASSOCIATION = "configurationAccessEndpoint"
#: Per operating system: the agent's extension type, and the data source (and its name in messages) the rule holds.
AGENTS = {"linux": ("AzureMonitorLinuxAgent", "syslog", "syslog"),
          "windows": ("AzureMonitorWindowsAgent", "windowsEventLogs", "Windows event-log")}
BATCH_LIMITATION = ("its nodes (BatchService allocation) are machines of a Batch-managed subscription, with no "
                    "resource id a data collection rule can be associated with: node logs cannot reach the "
                    "workspace; the account's own logs do (README, \"Logs from every Azure machine\")")


@dataclass(frozen=True)
class Verdict:
    """Whether one machine (or pool, or cluster) of the plan sends its logs to the workspace."""

    machine: PlannedResource
    missing: tuple[str, ...] = ()
    """What it lacks to send them; empty when it does."""
    limitation: str = ""
    """Why Azure cannot collect them, where it cannot (then nothing is missing that the program could build)."""

    @property
    def message(self) -> str:
        if self.missing:
            return (f"{self.machine.name} ({self.machine.type}) sends no log to the workspace: it lacks "
                    f"{'; '.join(self.missing)}")
        return f"{self.machine.name} ({self.machine.type}): {self.limitation}" if self.limitation else ""


class _Plan:
    def __init__(self, resources: Sequence[PlannedResource]) -> None:
        self.custom = [r for r in resources if r.custom]
        self.rules = {r.urn: r for r in self.custom if r.type == RULE}
        self.references = {r.urn for r in resources if r.type == STACK_REFERENCE}

    def attached(self, machine: PlannedResource, type_: str) -> list[PlannedResource]:
        """Resources of `type_` built on `machine` (an extension names its VM, an association its resource)."""
        return [r for r in self.custom if r.type == type_ and machine.urn in r.dependencies]

    def given(self, resource: PlannedResource, key: str) -> bool:
        """The input is set: by this plan, or read from the platform stack (empty in an offline plan)."""
        value = resource.inputs.get(key)
        return bool(value) or (value is not None and any(d in self.references for d in resource.dependencies))

    def sends(self, association: PlannedResource, holds: Any) -> bool:
        """The association names a rule that sends to a Log Analytics workspace and whose data sources `holds`
        accepts, or a rule of the platform stack."""
        if not self.given(association, "dataCollectionRuleId"):
            return False
        for urn in association.dependencies:
            rule = self.rules.get(urn)
            if rule is not None and _workspace_destination(rule) and holds(rule.inputs.get("dataSources") or {}):
                return True
        return any(urn in self.references for urn in association.dependencies)

    def endpoint(self, machine: PlannedResource) -> bool:
        return any(a.inputs.get("associationName") == ENDPOINT_ASSOCIATION and self.given(a, "dataCollectionEndpointId")
                   for a in self.attached(machine, ASSOCIATION))


def _workspace_destination(rule: PlannedResource) -> bool:
    destinations = rule.inputs.get("destinations") or {}
    return any(d.get("workspaceResourceId") for d in destinations.get("logAnalytics") or [] if isinstance(d, dict))


_NO_ENDPOINT = (f"the {ENDPOINT_ASSOCIATION} association with the data collection endpoint (the workspace is "
                "reached over Private Link only)")


def verdicts(resources: Sequence[PlannedResource]) -> list[Verdict]:
    """One verdict per virtual machine, AKS cluster and Batch pool the plan creates, in plan order."""
    plan = _Plan(resources)
    found: list[Verdict] = []
    for machine in plan.custom:
        if machine.type == VM:
            found.append(_virtual_machine(plan, machine))
        elif machine.type == CLUSTER:
            found.append(_cluster(plan, machine))
        elif machine.type == POOL:
            found.append(_pool(plan, machine))
    return found


def _system(vm: PlannedResource) -> str:
    """linux or windows: from the OS profile, or where it holds a secret (a Windows administrator's password) and
    the plan shows it redacted whole, from the OS disk, the image's publisher or the Windows licence."""
    profile = vm.inputs.get("osProfile")
    if isinstance(profile, dict):
        return "windows" if "windowsConfiguration" in profile else "linux"
    storage = vm.inputs.get("storageProfile") or {}
    publisher = str((storage.get("imageReference") or {}).get("publisher", "")).lower()
    os_type = str((storage.get("osDisk") or {}).get("osType", "")).lower()
    licence = str(vm.inputs.get("licenseType", "")).lower()
    windows = os_type == "windows" or publisher.startswith("microsoftwindows") or licence.startswith("windows")
    return "windows" if windows else "linux"


def _virtual_machine(plan: _Plan, vm: PlannedResource) -> Verdict:
    agent, source, label = AGENTS[_system(vm)]
    missing = []
    if not any(e.inputs.get("type") == agent for e in plan.attached(vm, EXTENSION)):
        missing.append(f"the {agent} extension")
    if not any(plan.sends(a, lambda sources: bool(sources.get(source))) for a in plan.attached(vm, ASSOCIATION)):
        missing.append(f"an association with a {label} rule sending to a Log Analytics workspace")
    if not plan.endpoint(vm):
        missing.append(_NO_ENDPOINT)
    return Verdict(vm, tuple(missing))


def _container_insights(sources: dict[str, Any]) -> bool:
    return any(isinstance(e, dict) and e.get("extensionName") == "ContainerInsights"
               for e in sources.get("extensions") or [])


def _cluster(plan: _Plan, cluster: PlannedResource) -> Verdict:
    addon = ((cluster.inputs.get("addonProfiles") or {}).get("omsagent")) or {}
    config = addon.get("config") or {}
    missing = []
    if not (addon.get("enabled") is True and config.get("logAnalyticsWorkspaceResourceID")
            and str(config.get("useAADAuth", "")).lower() == "true"):
        missing.append("the omsagent add-on on a workspace with managed-identity authentication (useAADAuth)")
    if not any(plan.sends(a, _container_insights) for a in plan.attached(cluster, ASSOCIATION)):
        missing.append("an association with a Container insights rule sending to a Log Analytics workspace")
    if not plan.endpoint(cluster):
        missing.append(_NO_ENDPOINT)
    return Verdict(cluster, tuple(missing))


def _pool(plan: _Plan, pool: PlannedResource) -> Verdict:
    accounts = [r for r in plan.custom if r.type == BATCH_ACCOUNT and r.urn in pool.dependencies]
    logged = any(d.inputs.get("workspaceId") for account in accounts
                 for d in plan.attached(account, DIAGNOSTIC_SETTING))
    if not logged:
        return Verdict(pool, ("a diagnostic setting sending its Batch account's logs to the workspace (its nodes' "
                              "own logs cannot be collected)",))
    return Verdict(pool, limitation=BATCH_LIMITATION)
