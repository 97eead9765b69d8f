"""What a first `pulumi up` on Azure needs from the plan to give a working platform (review 2026-12-02, F14-F15):
archives Azure services can write into, private names for every endpoint, logs from every machine."""
from __future__ import annotations

from dataclasses import replace
from functools import cache

from hdhport import planner
from hdhport.planner import PlannedResource, PlanResult
from hdhport.policy_runner import evaluate
from policies import hdh_policies

STACK = "azure-francecentral"
ACCOUNT = "azure-native:storage:StorageAccount"
#: The accounts Azure services write into from outside the VNet: Azure Monitor (activity log, Key Vault
#: AuditEvent WORM copy), Cost Management exports, Azure Backup of file shares.
WRITTEN_BY_AZURE = ("audit-log-account", "cost-monitoring-account", "file-share-account")


@cache
def shipped() -> PlanResult:
    config = planner.stack_config(STACK)
    config["hdh:enclaves"] = 2
    return planner.run(STACK, config)


def _of_type(token: str) -> list[PlannedResource]:
    return [r for r in shipped().resources if r.type == token]


def test_accounts_azure_services_write_into_let_trusted_services_in_and_nobody_else() -> None:
    written = [a for a in _of_type(ACCOUNT) if a.name.endswith(WRITTEN_BY_AZURE)]
    # The platform's three, and each enclave's own file share.
    assert sorted(a.name for a in written) == sorted(
        [*WRITTEN_BY_AZURE, "project-001-file-share-account", "project-002-file-share-account"])
    for account in written:
        # Azure evaluates the trusted-services exception only with public network access Enabled.
        assert account.inputs["publicNetworkAccess"] == "Enabled", account.name
        assert account.inputs["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "AzureServices"}, account.name
    for account in _of_type(ACCOUNT):
        if account not in written:
            assert account.inputs["publicNetworkAccess"] == "Disabled", account.name
            assert account.inputs["networkRuleSet"]["bypass"] == "None", account.name


def test_the_policy_pack_allows_exactly_the_trusted_services_shape() -> None:
    assert [v.message for v in evaluate(shipped().resources, [hdh_policies.no_public_endpoint])
            if v.type == ACCOUNT] == []
    audit = next(a for a in _of_type(ACCOUNT) if a.name == "audit-log-account")
    for rules in ({"defaultAction": "Allow", "bypass": "AzureServices"}, {"defaultAction": "Deny", "bypass": "None"},
                  {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "198.51.100.7"}]}):
        opened = replace(audit, inputs={**audit.inputs, "networkRuleSet": rules})
        assert "publicNetworkAccess is 'Enabled'; the data plane has no public endpoint (set Disabled)" in [
            v.message for v in evaluate([opened], [hdh_policies.no_public_endpoint])], rules


def test_the_programs_own_rule_states_the_trusted_services_exception_on_the_api_property() -> None:
    rule = next(d for d in _of_type("azure-native:authorization:PolicyDefinition")
                if d.inputs["policyDefinitionName"] == "hdh-deny-public-network-access")
    storage = rule.inputs["policyRule"]["if"]["anyOf"][0]["allOf"]
    # Azure Policy reads the API's property name (networkAcls), not the SDK's (networkRuleSet).
    assert {"field": "Microsoft.Storage/storageAccounts/networkAcls.defaultAction", "notEquals": "Deny"} in storage


def test_the_batch_node_management_endpoint_registers_in_the_batch_zone() -> None:
    endpoints = {e.name: e for e in _of_type("azure-native:network:PrivateEndpoint") if e.name.startswith("batch-")}
    groups = {g.parent.rsplit("::", 1)[-1]: g for g in _of_type("azure-native:network:PrivateDnsZoneGroup")}
    for name in ("batch-compute-pe-batchaccount", "batch-compute-pe-nodemanagement"):
        assert name in endpoints and name in groups, name
        assert [c["name"] for c in groups[name].inputs["privateDnsZoneConfigs"]] == ["privatelink-batch-azure-com"]
    # The DNS policy's initiative knows the kind too, for endpoints others open.
    initiative = next(s for s in _of_type("azure-native:authorization:PolicySetDefinition")
                      if s.inputs.get("policySetDefinitionName") == "hdh-private-endpoint-dns-set")
    groups_known = [r["parameters"]["groupId"]["value"] for r in initiative.inputs["policyDefinitions"]]
    assert "nodeManagement" in groups_known


def test_zone_groups_refer_to_the_zones_by_their_id_outputs() -> None:
    zones = {z.inputs["privateZoneName"]: z for z in _of_type("azure-native:privatedns:PrivateZone")}
    groups = _of_type("azure-native:network:PrivateDnsZoneGroup")
    assert groups
    for group in groups:
        for config in group.inputs["privateDnsZoneConfigs"]:
            zone = next(z for z in zones.values() if z.outputs.get("id", f"{z.name}-id") == config["privateDnsZoneId"])
            # A real edge: the group waits for the zone on creation, and goes first on destroy.
            assert zone.urn in group.dependencies, (group.name, config["name"])


def test_every_linux_machine_runs_the_monitor_agent_and_is_associated_with_the_syslog_rule() -> None:
    machines = _of_type("azure-native:compute:VirtualMachine")
    linux = [m for m in machines if "linuxConfiguration" in (m.inputs.get("osProfile") or {})]
    assert len(linux) >= 4  # research machines of both enclaves and the platform's self-hosted machines
    extensions = _of_type("azure-native:compute:VirtualMachineExtension")
    associations = _of_type("azure-native:monitor:DataCollectionRuleAssociation")
    rule = next(r for r in _of_type("azure-native:monitor:DataCollectionRule") if r.name == "log-analytics-syslog")
    endpoint = next(e for e in _of_type("azure-native:monitor:DataCollectionEndpoint") if e.name == "log-analytics-dce")
    for vm in linux:
        vm_id = f"{vm.name}-id"
        agent = [e for e in extensions if e.inputs.get("type") == "AzureMonitorLinuxAgent" and vm.urn in e.dependencies]
        assert len(agent) == 1, vm.name
        assert agent[0].inputs["publisher"] == "Microsoft.Azure.Monitor"
        identity = agent[0].inputs["settings"]["authentication"]["managedIdentity"]
        assert identity["identifier-name"] == "mi_res_id"
        assert identity["identifier-value"] in vm.inputs["identity"]["userAssignedIdentities"]
        mine = {a.inputs["associationName"]: a for a in associations if a.inputs["resourceUri"] == vm_id}
        assert mine["hdh-syslog"].inputs["dataCollectionRuleId"] == f"{rule.name}-id"
        assert rule.urn in mine["hdh-syslog"].dependencies
        # Over Private Link the agent reads its rules from the endpoint this association names.
        assert mine["configurationAccessEndpoint"].inputs["dataCollectionEndpointId"] == f"{endpoint.name}-id"


def test_every_session_host_runs_the_windows_agent_and_is_associated_with_the_event_log_rule() -> None:
    hosts = [m for m in _of_type("azure-native:compute:VirtualMachine") if m.name.startswith("virtual-desktop-host-")]
    assert len(hosts) == 2
    extensions = _of_type("azure-native:compute:VirtualMachineExtension")
    associations = _of_type("azure-native:monitor:DataCollectionRuleAssociation")
    rule = next(r for r in _of_type("azure-native:monitor:DataCollectionRule") if r.name == "log-analytics-eventlog")
    assert rule.inputs["kind"] == "Windows"
    assert rule.inputs["destinations"]["logAnalytics"][0]["workspaceResourceId"] == "log-analytics-workspace-id"
    (events,) = rule.inputs["dataSources"]["windowsEventLogs"]
    assert events["streams"] == ["Microsoft-Event"] and events["xPathQueries"][0].startswith("Security!")
    assert rule.inputs["dataCollectionEndpointId"] == "log-analytics-dce-id"
    for host in hosts:
        agent = [e for e in extensions if e.inputs.get("type") == "AzureMonitorWindowsAgent" and host.urn in e.dependencies]
        assert len(agent) == 1, host.name
        # The host's only identity is its system-assigned one, which the agent takes by default.
        assert host.inputs["identity"] == {"type": "SystemAssigned"} and "settings" not in agent[0].inputs
        mine = {a.inputs["associationName"]: a for a in associations if host.urn in a.dependencies}
        assert mine["hdh-eventlog"].inputs["dataCollectionRuleId"] == f"{rule.name}-id"
        assert mine["configurationAccessEndpoint"].inputs["dataCollectionEndpointId"] == "log-analytics-dce-id"
    # One endpoint serves both systems: it is not restricted to Linux.
    endpoint = next(e for e in _of_type("azure-native:monitor:DataCollectionEndpoint") if e.name == "log-analytics-dce")
    assert "kind" not in endpoint.inputs


def test_the_aks_cluster_sends_container_and_node_logs_through_the_private_endpoint() -> None:
    (cluster,) = _of_type("azure-native:containerservice:ManagedCluster")
    addon = cluster.inputs["addonProfiles"]["omsagent"]
    assert addon["enabled"] is True
    assert addon["config"] == {"logAnalyticsWorkspaceResourceID": "log-analytics-workspace-id", "useAADAuth": "true"}
    rule = next(r for r in _of_type("azure-native:monitor:DataCollectionRule") if r.name == "kubernetes-container-logs")
    (extension,) = rule.inputs["dataSources"]["extensions"]
    assert extension["extensionName"] == "ContainerInsights"
    assert extension["streams"] == ["Microsoft-ContainerInsights-Group-Default"]
    assert [s["name"] for s in rule.inputs["dataSources"]["syslog"]] == ["audit", "system"]  # the nodes' syslog
    assert rule.inputs["destinations"]["logAnalytics"][0]["workspaceResourceId"] == "log-analytics-workspace-id"
    assert rule.inputs["dataCollectionEndpointId"] == "log-analytics-dce-id"  # ingestion over Private Link
    mine = {a.inputs["associationName"]: a for a in _of_type("azure-native:monitor:DataCollectionRuleAssociation")
            if cluster.urn in a.dependencies}
    assert set(mine) == {"ContainerInsightsExtension", "configurationAccessEndpoint"}
    assert mine["ContainerInsightsExtension"].inputs["dataCollectionRuleId"] == f"{rule.name}-id"
    assert mine["configurationAccessEndpoint"].inputs["dataCollectionEndpointId"] == "log-analytics-dce-id"


def test_the_platform_exports_its_log_endpoint_and_rules_for_the_enclave_stacks() -> None:
    placement = shipped().stack_outputs["placement"]
    assert placement["log_endpoint_id"] == "log-analytics-dce-id"
    assert placement["log_linux_rule_id"] == "log-analytics-syslog-id"
    assert placement["log_windows_rule_id"] == "log-analytics-eventlog-id"


def test_research_machines_of_an_enclave_stack_send_their_logs_to_the_platform_workspace() -> None:
    from hdhport.machine_logs import verdicts
    from hdhport.plan_cli import _runs

    _, (name, config) = _runs(STACK, planner.stack_config(STACK) | {"hdh:enclaves": 2}, 2)
    enclaves = planner.run(name, config)
    (reference,) = [r for r in enclaves.resources if r.type == "pulumi:pulumi:StackReference"]
    machines = [r for r in enclaves.resources if r.type == "azure-native:compute:VirtualMachine"]
    assert len(machines) == 4
    associations = [a for a in enclaves.resources if a.type == "azure-native:monitor:DataCollectionRuleAssociation"]
    for vm in machines:
        mine = {a.inputs["associationName"]: a for a in associations if vm.urn in a.dependencies}
        assert set(mine) == {"hdh-syslog", "configurationAccessEndpoint"}, vm.name
        # The rule and the endpoint are the platform's, read from its stack.
        assert all(reference.urn in a.dependencies for a in mine.values())
    assert [(v.machine.name, v.missing) for v in verdicts(enclaves.resources) if v.missing] == []


def test_the_machine_logs_check_passes_the_plan_and_names_what_a_machine_lacks() -> None:
    from hdhport.machine_logs import verdicts

    resources = shipped().resources
    found = verdicts(resources)
    assert {v.machine.type for v in found} == {"azure-native:compute:VirtualMachine", "azure-native:batch:Pool",
                                              "azure-native:containerservice:ManagedCluster"}
    assert [v.message for v in found if v.missing] == []
    (pool,) = [v for v in found if v.machine.type == "azure-native:batch:Pool"]
    assert "no resource id a data collection rule can be associated with" in pool.limitation

    (cluster,) = _of_type("azure-native:containerservice:ManagedCluster")
    host = next(m for m in _of_type("azure-native:compute:VirtualMachine") if m.name == "virtual-desktop-host-0")
    account = next(a for a in _of_type("azure-native:batch:BatchAccount"))
    dropped = [r for r in resources
               if not (r.type == "azure-native:monitor:DataCollectionRuleAssociation" and cluster.urn in r.dependencies)
               and not (r.type == "azure-native:compute:VirtualMachineExtension" and host.urn in r.dependencies
                        and r.inputs.get("type") == "AzureMonitorWindowsAgent")
               and not (r.type == "azure-native:monitor:DiagnosticSetting" and account.urn in r.dependencies)]
    failed = {v.machine.name: v.message for v in verdicts(dropped) if v.missing}
    assert set(failed) == {"kubernetes-aks", "virtual-desktop-host-0", "batch-compute-pool"}
    assert failed["virtual-desktop-host-0"] == (
        "virtual-desktop-host-0 (azure-native:compute:VirtualMachine) sends no log to the workspace: it lacks the "
        "AzureMonitorWindowsAgent extension")
    assert "an association with a Container insights rule" in failed["kubernetes-aks"]
    assert "the configurationAccessEndpoint association" in failed["kubernetes-aks"]
    assert "a diagnostic setting sending its Batch account's logs" in failed["batch-compute-pool"]


def test_each_scopes_workload_identity_reaches_its_own_container_and_no_other() -> None:
    """Shared keys are off on every account, so without a data role a project's jobs could not read their own
    container (noticed 2026-12-03): each object storage grants Storage Blob Data Contributor on its container to
    its own scope's identity only."""
    by_urn = {r.urn: r for r in shipped().resources}
    grants = [r for r in _of_type("azure-native:authorization:RoleAssignment") if r.name.endswith("workload-data")]
    assert sorted(g.name for g in grants) == ["object-storage-workload-data", "project-001-object-storage-workload-data",
                                              "project-002-object-storage-workload-data"]
    for grant in grants:
        scope = grant.name.removesuffix("object-storage-workload-data")  # "" or "project-00n-"
        assert grant.inputs["roleDefinitionId"].endswith("/ba92f5b4-2d11-453d-a403-e96b0029c9fe")
        assert grant.inputs["principalType"] == "ServicePrincipal"
        identities = {by_urn[d].name for d in grant.dependencies if by_urn[d].name.endswith("workload-identity-identity")}
        assert identities == {f"{scope}workload-identity-identity"}, grant.name
        assert grant.inputs["scope"].startswith(f"{scope}object-storage-container-"), grant.name
