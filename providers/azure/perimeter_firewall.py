"""perimeter_firewall on Azure: Azure Firewall Premium, the platform's only way out to the internet,
with a firewall policy that denies by default, inspects TLS with the stack's CA and runs IDPS in deny mode."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from hdhport.addresses import ENCLAVES_CIDR, PLATFORM_CIDR, SERVICES_CIDR
from hdhport.names import inside_platform, url_host
from hdhport.prerequisites import Prerequisite, unless_given
from providers.azure import tls
from providers.azure.arm import certificate_reader, edge_public_ip, id_part, send_audit_logs
from providers.azure.subnets import dedicated_subnet, host
from providers.azure.virtual_network import ROUTE_TABLE
from providers.base import ServiceComponent
from providers.selfhosted import settings

#: The intermediate CA the firewall re-signs inspected TLS with: the stack's (hdh:tlsInspectionCertificate), loaded
#: by certificate_management into its Key Vault, signed by the platform root CA the machines trust.
TLS_INSPECTION_CA = tls.INSPECTION_SECRET
#: What the firewall needs from the stack to inspect TLS: its CA, signed by the platform root CA.
INSPECTION_KEYS = ("hdh:tlsInspectionCertificate", "hdh:tlsInspectionPrivateKey")
#: The firewall's private address (the first one Azure hands out in AzureFirewallSubnet): the next hop
#: of the platform's default route.
PRIVATE_IP = host("firewall", 4)
ZONES = ["1", "2", "3"]


@dataclass(frozen=True)
class Egress:
    """Destinations the platform may reach on the internet, by name (application rules, TLS inspected)."""

    name: str
    fqdns: tuple[str, ...]
    description: str


#: Upstreams of the package mirror (the only machine that downloads packages) and of OS updates.
EGRESS = (
    Egress("debian", ("deb.debian.org", "security.debian.org"), "Debian packages and security updates"),
    Egress("python", ("pypi.org", "files.pythonhosted.org"), "PyPI, for the package mirror"),
    Egress("cran", ("cloud.r-project.org", "cran.r-project.org"), "CRAN, for the package mirror"),
    Egress("conda", ("conda.anaconda.org", "repo.anaconda.com"), "conda channels, for the package mirror"),
)
#: Azure services reached by address (service tags), without TLS interception (they pin certificates);
#: regional tags keep storage and key traffic in the platform's region.
GLOBAL_SERVICES = ("AzureActiveDirectory", "AzureMonitor")
REGIONAL_SERVICES = ("AzureKeyVault", "Storage")
#: What virtual desktop session hosts must reach to join Entra ID and run the AVD agent (Microsoft's FQDN tag
#: for Azure Virtual Desktop's required URLs, kept current by Microsoft), from the services subnet only.
DESKTOP_FQDN_TAGS = ("WindowsVirtualDesktop", "WindowsUpdate", "WindowsDiagnostics")
#: Two halves of the address space: more specific than the services subnet's 0.0.0.0/0-to-nothing route, so
#: they take the internet-bound traffic to the firewall while it exists and fall away with it.
INTERNET_HALVES = ("0.0.0.0/1", "128.0.0.0/1")


def _artefact_mirror(kind: str, allow: network.FirewallPolicyFilterRuleCollectionActionArgs) \
        -> list[network.FirewallPolicyFilterRuleCollectionArgs]:
    """The platform's way to the artefact mirror (hdh:artefactMirror) when it is outside the platform: every
    self-hosted machine installs from it, and package_mirror relays it to the enclaves. From the platform's range
    only. Not decrypted: the machines authenticate the mirror end to end with the platform root CA and apt checks
    the archive signatures, where inspecting it would make the firewall a client that must trust that root too."""
    host, port = url_host(settings.read().mirror)
    if inside_platform(host):
        return []
    rule = network.ApplicationRuleArgs(
        rule_type="ApplicationRule", name="artefact-mirror", description="the platform's artefact mirror",
        source_addresses=[PLATFORM_CIDR], target_fqdns=[host], terminate_tls=False,
        protocols=[network.FirewallPolicyRuleApplicationProtocolArgs(
            protocol_type=network.FirewallPolicyRuleApplicationProtocolType.HTTPS, port=port)])
    return [network.FirewallPolicyFilterRuleCollectionArgs(
        name="artefact-mirror", priority=150, rule_collection_type=kind, action=allow, rules=[rule])]


class PerimeterFirewall(ServiceComponent):
    """perimeter_firewall with Azure Firewall Premium (zone-redundant) and a Premium firewall policy.

    - Deny by default: a flow that matches no rule below is dropped (Azure Firewall's default), and no
      DNAT rule exists, so nothing enters through the firewall.
    - Egress: application rules for EGRESS (HTTPS only) from the platform range only; enclaves get no
      internet rule at all. The artefact mirror (hdh:artefactMirror), when outside the platform, gets a rule
      of its own from the platform range (`_artefact_mirror`): the machines install from it, and package_mirror
      relays it to the enclaves. Network rules for Azure's own services by service tag.
    - TLS inspection, when the stack gives the inspection CA (hdh:tlsInspectionCertificate): certificate_management
      loads it into its Key Vault (placement `tls_inspection_ca_ref`), the policy reads it with an identity of
      its own, Key Vault Secrets User on that one secret, and is created once that grant exists; the EGRESS
      rules then terminate and inspect TLS. The CA is a prerequisite: `pulumi up` refuses a stack without it
      (an offline plan draws the policy without inspection, as Azure must not see a reference to a missing CA,
      and reports it).
    - IDPS in deny mode, threat intelligence in deny mode, DNS proxy on (FQDN rules need it).
    - Structured firewall logs and policy analytics to the platform's Log Analytics workspace.

    The public IP below is the source address of the platform's outbound traffic (SNAT), which Azure
    Firewall requires; no rule translates traffic toward the inside, so it is not a data-plane endpoint.
    The endpoint returned is the firewall's private address, the next hop of the platform's default route.

    Every client of an inspected flow must trust the CA's issuer: machines booted from the platform's base trust
    the platform root CA (hdh:platformRootCa), which is meant to sign it.
    """

    @classmethod
    def prerequisites(cls) -> tuple[Prerequisite, ...]:
        return unless_given(
            INSPECTION_KEYS, "perimeter_firewall",
            "the firewall decrypts and inspects the egress it allows "
            "(IDPS on the content, not only on the name the client asks for) by re-signing it with "
            "this intermediate CA, signed by the platform root CA the machines trust (the key as a "
            "Pulumi secret); without it egress would be allowed by name (TLS SNI), unread",
            'docs/operations.md, "TLS certificates on Azure"')

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        subnet = dedicated_subnet(self, "firewall")
        # Egress address of the platform (SNAT); nothing inbound is ever translated to the inside.
        egress_ip = edge_public_ip(self, "egress-ip", ZONES)

        policy_name = f"afwp-{self.name}"
        inspect = bool(p.tls_inspection_ca_ref)
        waits: list[pulumi.Resource] = []
        identity = transport_security = None
        if inspect:
            reader, granted = certificate_reader(
                self, p.certificate_vault_id, p.tls_inspection_ca_ref, tls.INSPECTION_SECRET,
                f"hdhport: {self.name} re-signs inspected TLS with the platform's inspection CA")
            # The identity reads the inspection CA from Key Vault.
            identity = network.ManagedServiceIdentityArgs(type=network.ResourceIdentityType.USER_ASSIGNED,
                                                          user_assigned_identities=[reader.id])
            transport_security = network.FirewallPolicyTransportSecurityArgs(
                certificate_authority=network.FirewallPolicyCertificateAuthorityArgs(
                    name=TLS_INSPECTION_CA, key_vault_secret_id=p.tls_inspection_ca_ref))
            waits.append(granted)
        policy = network.FirewallPolicy(
            self.role("policy"), resource_group_name=p.scope, location=p.region, firewall_policy_name=policy_name,
            sku=network.FirewallPolicySkuArgs(tier=network.FirewallPolicySkuTier.PREMIUM),
            threat_intel_mode=network.AzureFirewallThreatIntelMode.DENY,
            intrusion_detection=network.FirewallPolicyIntrusionDetectionArgs(
                mode=network.FirewallPolicyIntrusionDetectionStateType.DENY,
                configuration=network.FirewallPolicyIntrusionDetectionConfigurationArgs(
                    private_ranges=[PLATFORM_CIDR, ENCLAVES_CIDR])),
            identity=identity, transport_security=transport_security,
            dns_settings=network.DnsSettingsArgs(enable_proxy=True),
            insights=network.FirewallPolicyInsightsArgs(
                is_enabled=True, retention_days=30,
                log_analytics_resources=network.FirewallPolicyLogAnalyticsResourcesArgs(
                    default_workspace_id=network.SubResourceArgs(id=p.log_workspace_id))),
            # Azure reads the CA when it creates the policy: the identity must hold its grant by then.
            tags=self.tags, opts=self.child(depends_on=waits))

        azure_services = [*GLOBAL_SERVICES, *(f"{tag}.{p.region}" for tag in REGIONAL_SERVICES)]
        allow = network.FirewallPolicyFilterRuleCollectionActionArgs(
            type=network.FirewallPolicyFilterRuleCollectionActionType.ALLOW)
        filter_collection = network.FirewallPolicyRuleCollectionType.FIREWALL_POLICY_FILTER_RULE_COLLECTION
        rules = network.FirewallPolicyRuleCollectionGroup(
            self.role("rules"), resource_group_name=p.scope, firewall_policy_name=policy_name,
            rule_collection_group_name="hdh-egress", priority=200,
            rule_collections=[
                network.FirewallPolicyFilterRuleCollectionArgs(
                    name="azure-services", priority=100, rule_collection_type=filter_collection, action=allow,
                    rules=[network.NetworkRuleArgs(
                        rule_type="NetworkRule", name=tag.lower().replace(".", "-"),
                        description=f"{tag} over HTTPS", source_addresses=[PLATFORM_CIDR],
                        destination_addresses=[tag], destination_ports=["443"],
                        ip_protocols=[network.FirewallPolicyRuleNetworkProtocol.TCP])
                        for tag in azure_services]),
                *_artefact_mirror(filter_collection, allow),
                network.FirewallPolicyFilterRuleCollectionArgs(
                    name="internet-egress", priority=200, rule_collection_type=filter_collection, action=allow,
                    rules=[network.ApplicationRuleArgs(
                        rule_type="ApplicationRule", name=egress.name, description=egress.description,
                        source_addresses=[PLATFORM_CIDR], target_fqdns=list(egress.fqdns),
                        protocols=[network.FirewallPolicyRuleApplicationProtocolArgs(
                            protocol_type=network.FirewallPolicyRuleApplicationProtocolType.HTTPS, port=443)],
                        terminate_tls=inspect)
                        for egress in EGRESS]),
                network.FirewallPolicyFilterRuleCollectionArgs(
                    name="virtual-desktop", priority=300, rule_collection_type=filter_collection, action=allow,
                    rules=[network.ApplicationRuleArgs(
                        rule_type="ApplicationRule", name="avd-required-urls",
                        description="Entra join, AVD agent and updates of the virtual desktop session hosts",
                        source_addresses=[SERVICES_CIDR], fqdn_tags=list(DESKTOP_FQDN_TAGS),
                        protocols=[network.FirewallPolicyRuleApplicationProtocolArgs(
                            protocol_type=network.FirewallPolicyRuleApplicationProtocolType.HTTPS, port=443)])]),
            ],
            opts=self.child(depends_on=[policy]))

        firewall = network.AzureFirewall(
            self.role("firewall"), resource_group_name=p.scope, location=p.region,
            sku=network.AzureFirewallSkuArgs(name=network.AzureFirewallSkuName.AZF_W_V_NET,
                                             tier=network.AzureFirewallSkuTier.PREMIUM),
            firewall_policy=network.SubResourceArgs(id=policy.id),
            ip_configurations=[network.AzureFirewallIPConfigurationArgs(
                name="egress", subnet=network.SubResourceArgs(id=subnet.id),
                public_ip_address=network.SubResourceArgs(id=egress_ip.id))],
            zones=ZONES, tags=self.tags,
            # A policy being changed cannot be attached: the rules come first.
            opts=self.child(depends_on=[rules]))
        send_audit_logs(self, "audit", firewall.id, category_group="allLogs")
        # The services subnet's way out, once the firewall runs; one route after the other, as Azure
        # refuses concurrent writes to one route table.
        previous: pulumi.Resource = firewall
        for index, prefix in enumerate(INTERNET_HALVES):
            previous = network.Route(
                self.role(f"route-{index}"), resource_group_name=id_part(p.network_id, "resourceGroups", p.scope),
                route_table_name=ROUTE_TABLE, route_name=f"internet-via-firewall-{index}", address_prefix=prefix,
                next_hop_type=network.RouteNextHopType.VIRTUAL_APPLIANCE, next_hop_ip_address=PRIVATE_IP,
                opts=self.child(depends_on=[previous]))
        return firewall.id.apply(lambda _: PRIVATE_IP), None
