"""The bastion on Azure: Azure Bastion (Standard) in its own AzureBastionSubnet, with the NSG rules the
service documents and nothing more, sessions in the browser only, and its audit logs in the workspace."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import network

from hdhport.addresses import ENCLAVES_CIDR, SERVICES_CIDR
from providers.azure.arm import edge_public_ip, send_audit_logs
from providers.azure.iaas import DENY_PRIORITY
from providers.azure.subnets import dedicated_subnet
from providers.base import ServiceComponent

_TCP, _ANY = network.SecurityRuleProtocol.TCP, network.SecurityRuleProtocol.ASTERISK
_IN, _OUT = network.SecurityRuleDirection.INBOUND, network.SecurityRuleDirection.OUTBOUND
_ALLOW, _DENY = network.SecurityRuleAccess.ALLOW, network.SecurityRuleAccess.DENY


def _rule(name: str, priority: int, direction: network.SecurityRuleDirection, protocol: network.SecurityRuleProtocol,
          source: str, destination: str | list[str], ports: list[str], description: str,
          access: network.SecurityRuleAccess = _ALLOW) -> network.SecurityRuleArgs:
    single, many = (None, destination) if isinstance(destination, list) else (destination, None)
    return network.SecurityRuleArgs(
        name=name, priority=priority, direction=direction, access=access, protocol=protocol,
        source_address_prefix=source, source_port_range="*",
        destination_address_prefix=single, destination_address_prefixes=many,
        destination_port_ranges=ports, description=description)


#: The rules Azure Bastion needs on its subnet (Microsoft's "NSG access and Azure Bastion"), everything else
#: denied. SSH and RDP go out only to the platform's services subnet and the enclaves, nowhere else.
BASTION_RULES = [
    _rule("allow-https-in", 100, _IN, _TCP, "Internet", "*", ["443"], "operators' browsers (TLS 1.2+, Entra ID sign-in)"),
    _rule("allow-gateway-manager-in", 110, _IN, _TCP, "GatewayManager", "*", ["443"], "Azure control plane"),
    _rule("allow-load-balancer-in", 120, _IN, _TCP, "AzureLoadBalancer", "*", ["443"], "health probes"),
    _rule("allow-data-plane-in", 130, _IN, _ANY, "VirtualNetwork", "VirtualNetwork", ["8080", "5701"],
          "between Bastion instances"),
    _rule("deny-all-in", DENY_PRIORITY, _IN, _ANY, "*", "*", ["0-65535"], "deny by default", _DENY),
    _rule("allow-ssh-rdp-out", 100, _OUT, _TCP, "*", [SERVICES_CIDR, ENCLAVES_CIDR], ["22", "3389"],
          "sessions to platform and enclave machines only"),
    _rule("allow-azure-cloud-out", 110, _OUT, _TCP, "*", "AzureCloud", ["443"], "diagnostics and metering"),
    _rule("allow-data-plane-out", 120, _OUT, _ANY, "VirtualNetwork", "VirtualNetwork", ["8080", "5701"],
          "between Bastion instances"),
    _rule("allow-session-info-out", 130, _OUT, _ANY, "*", "Internet", ["80"],
          "session and certificate validation, required by the service"),
    _rule("deny-all-out", DENY_PRIORITY, _OUT, _ANY, "*", "*", ["0-65535"], "deny by default", _DENY),
]


class Bastion(ServiceComponent):
    """bastion with Azure Bastion, Standard SKU: the platform's single administrative entry point to the
    VMs of the platform and of the enclaves, over TLS from a browser after Entra ID sign-in (and its MFA).

    Azure Bastion needs a public IP: it is the administrative entry point, not a data-plane endpoint; no
    VM has a public address, and the data plane stays private. (Only the Premium SKU can run without one,
    as a private-only bastion reached through a VPN or ExpressRoute the platform does not have.)

    Hardening: native-client tunnelling, IP-based connection, shareable links, file copy and clipboard
    are all off, so a session cannot carry files or text out of a research environment nor reach an
    address that is not an Azure VM of this VNet. Session recording needs the Premium SKU and a storage
    container configured outside ARM; audit logs (who connected to which VM, when, from where) go to the
    platform's workspace.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        group, region = self.placement.scope, self.placement.region
        nsg = network.NetworkSecurityGroup(
            self.role("nsg"), resource_group_name=group, location=region, security_rules=BASTION_RULES,
            tags=self.tags, opts=self.child())
        subnet = dedicated_subnet(self, "bastion", network_security_group_id=nsg.id)
        public_ip = edge_public_ip(self, "pip")
        bastion = network.BastionHost(
            self.role("host"), resource_group_name=group, location=region,
            sku=network.SkuArgs(name=network.BastionHostSkuName.STANDARD), scale_units=2,
            ip_configurations=[network.BastionHostIPConfigurationArgs(
                name="bastion", subnet=network.SubResourceArgs(id=subnet.id),
                public_ip_address=network.SubResourceArgs(id=public_ip.id))],
            enable_tunneling=False, enable_ip_connect=False, enable_shareable_link=False,
            enable_file_copy=False, disable_copy_paste=True, enable_kerberos=False,
            tags=self.tags, opts=self.child())
        send_audit_logs(self, "audit-logs", bastion.id, category_group="allLogs")
        return bastion.id, None
