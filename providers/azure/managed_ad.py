"""Managed Active Directory on Azure: Microsoft Entra Domain Services in a subnet of its own, with the
domain's legacy protocols turned off (NTLMv1, TLS 1.0/1.1, RC4) and LDAP signing and channel binding
required."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import aad, network

from hdhport.addresses import ENCLAVES_CIDR, PLATFORM_CIDR
from providers.azure.arm import send_audit_logs
from providers.azure.iaas import DENY_PRIORITY
from providers.azure.subnets import dedicated_subnet
from providers.base import ServiceComponent

#: The managed domain. `.internal` is reserved for private use (ICANN, 2024): it can never collide with a
#: public name, and its NetBIOS name (HDH) stays within 15 characters.
DOMAIN = "hdh.internal"

_ANY = network.SecurityRuleProtocol.ASTERISK
_IN, _OUT = network.SecurityRuleDirection.INBOUND, network.SecurityRuleDirection.OUTBOUND
_ALLOW, _DENY = network.SecurityRuleAccess.ALLOW, network.SecurityRuleAccess.DENY


def _rule(name: str, priority: int, direction: network.SecurityRuleDirection, source: str, destination: str,
          ports: str, description: str, access: network.SecurityRuleAccess = _ALLOW,
          protocol: network.SecurityRuleProtocol = _ANY) -> network.SecurityRuleArgs:
    return network.SecurityRuleArgs(
        name=name, priority=priority, direction=direction, access=access, protocol=protocol,
        source_address_prefix=source, source_port_range="*", destination_address_prefix=destination,
        destination_port_range=ports, description=description)


#: Inbound: the service's management channel (WinRM over HTTPS from the Domain Services service tag) and the
#: domain's clients (platform machines and enclave desktops) on any AD port; nothing else. Remote desktop from
#: Microsoft's support workstations (CorpNetSaw) is not opened. Outbound: the service tags Microsoft lists for
#: a managed domain; the subnet has no default internet egress.
DOMAIN_RULES = [
    _rule("allow-management-in", 100, _IN, "AzureActiveDirectoryDomainServices", "*", "5986",
          "Entra Domain Services management (PowerShell remoting over HTTPS)", protocol=network.SecurityRuleProtocol.TCP),
    _rule("allow-platform-clients-in", 110, _IN, PLATFORM_CIDR, "*", "*", "domain clients of the platform"),
    _rule("allow-enclave-clients-in", 120, _IN, ENCLAVES_CIDR, "*", "*", "domain-joined desktops of the enclaves"),
    _rule("deny-all-in", DENY_PRIORITY, _IN, "*", "*", "*", "deny by default", _DENY),
    *[_rule(f"allow-{tag.lower()}-out", 100 + 10 * index, _OUT, "*", tag, "443", f"{tag}, required by the service",
            protocol=network.SecurityRuleProtocol.TCP)
      for index, tag in enumerate(("AzureActiveDirectoryDomainServices", "AzureActiveDirectory", "AzureMonitor",
                                   "Storage", "GuestAndHybridManagement"))],
    _rule("allow-vnet-out", 200, _OUT, "*", "VirtualNetwork", "*", "replies and replication inside the VNet"),
    _rule("deny-all-out", DENY_PRIORITY, _OUT, "*", "*", "*", "deny by default", _DENY),
]


class ManagedAd(ServiceComponent):
    """managed_ad with Microsoft Entra Domain Services (Enterprise SKU) for joining the virtual desktops.

    Security settings: NTLMv1 and TLS 1.0/1.1 disabled (TLS 1.2 only), RC4 Kerberos encryption disabled,
    Kerberos armoring on, LDAP signing and channel binding required; NTLM password hashes are not
    synchronised (Kerberos only), so stolen NTLM hashes are worth nothing.

    Limits: secure LDAP (LDAPS) stays disabled, internally and from the internet, because enabling it needs
    the domain's TLS certificate as a PFX file and its password in this resource's arguments, and the stack
    configuration carries no such secret; LDAP inside the VNet is protected by the required signing and
    channel binding. Users are synchronised from Entra ID (guests from other tenants cannot sign in to a
    managed domain). The VNet's DNS servers must point at the domain controllers once they exist (their
    addresses are known only after creation), and the platform's controlled egress must cover the
    subnet for the outbound service tags above. A domain exists once per VNet: no enclave instance.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        group, region = self.placement.scope, self.placement.region
        nsg = network.NetworkSecurityGroup(
            self.role("nsg"), resource_group_name=group, location=region, security_rules=DOMAIN_RULES,
            tags=self.tags, opts=self.child())
        subnet = dedicated_subnet(self, "domain-services", network_security_group_id=nsg.id)
        # Protected and retained: every desktop's machine account and the synchronised password hashes live in
        # this domain; recreating it would orphan every domain-joined machine.
        domain = aad.DomainService(
            self.role("domain"), resource_group_name=group, location=region, domain_service_name=DOMAIN,
            domain_name=DOMAIN, sku="Enterprise", domain_configuration_type="FullySynced",
            sync_scope=aad.SyncScope.ALL, filtered_sync=aad.FilteredSync.DISABLED,
            replica_sets=[aad.ReplicaSetArgs(location=region, subnet_id=subnet.id)],
            domain_security_settings=aad.DomainSecuritySettingsArgs(
                ntlm_v1=aad.NtlmV1.DISABLED, tls_v1=aad.TlsV1.DISABLED,
                kerberos_rc4_encryption=aad.KerberosRc4Encryption.DISABLED,
                kerberos_armoring=aad.KerberosArmoring.ENABLED,
                ldap_signing=aad.LdapSigning.ENABLED, channel_binding=aad.ChannelBinding.ENABLED,
                sync_ntlm_passwords=aad.SyncNtlmPasswords.DISABLED,
                sync_kerberos_passwords=aad.SyncKerberosPasswords.ENABLED,
                sync_on_prem_passwords=aad.SyncOnPremPasswords.ENABLED),
            ldaps_settings=aad.LdapsSettingsArgs(ldaps=aad.Ldaps.DISABLED, external_access=aad.ExternalAccess.DISABLED),
            notification_settings=aad.NotificationSettingsArgs(
                notify_dc_admins=aad.NotifyDcAdmins.ENABLED, notify_global_admins=aad.NotifyGlobalAdmins.ENABLED),
            tags=self.tags, opts=self.keep())
        send_audit_logs(self, "audit-logs", domain.id, category_group="allLogs")
        return pulumi.Output.from_input(DOMAIN), None
