"""site_to_site_vpn on Azure: a route-based, zone-redundant VPN gateway (IKEv2 only) and, once the
on-premises peer is configured, its local network gateway and an IPsec connection with an explicit
suite-B-strength policy."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import network

from providers.azure.arm import edge_public_ip, send_audit_logs
from providers.azure.subnets import dedicated_subnet
from providers.base import ServiceComponent

ZONES = ["1", "2", "3"]
#: IKE and IPsec parameters: AES-GCM-256, ECDH P-384 with perfect forward secrecy, rekey every 7.5 hours.
IPSEC_POLICY = network.IpsecPolicyArgs(
    ike_encryption=network.IkeEncryption.GCMAES256, ike_integrity=network.IkeIntegrity.GCMAES256,
    dh_group=network.DhGroup.ECP384,
    ipsec_encryption=network.IpsecEncryption.GCMAES256, ipsec_integrity=network.IpsecIntegrity.GCMAES256,
    pfs_group=network.PfsGroup.ECP384, sa_life_time_seconds=27000, sa_data_size_kilobytes=102400000)


@dataclass(frozen=True)
class Peer:
    """The on-premises VPN device: its public address (or FQDN) and the ranges behind it."""

    address: str
    prefixes: tuple[str, ...]

    @classmethod
    def parse(cls, value: Any) -> Peer:
        """From `hdh:vpnPeer` = {address: "<IP or FQDN>", prefixes: ["<CIDR>", ...]}; every error names the key."""
        if not isinstance(value, dict) or not isinstance(value.get("address"), str) or not value["address"]:
            raise ValueError("hdh:vpnPeer: expected {address: <public IP or FQDN>, prefixes: [<CIDR>, ...]}")
        prefixes = value.get("prefixes")
        if not isinstance(prefixes, list) or not prefixes or not all(isinstance(c, str) for c in prefixes):
            raise ValueError("hdh:vpnPeer.prefixes: expected a non-empty list of CIDR ranges")
        for cidr in prefixes:
            try:
                ipaddress.ip_network(cidr)
            except ValueError:
                raise ValueError(f"hdh:vpnPeer.prefixes: '{cidr}' is not a CIDR range") from None
        return cls(address=value["address"], prefixes=tuple(prefixes))

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.address)
        except ValueError:
            return False
        return True


class SiteToSiteVpn(ServiceComponent):
    """site_to_site_vpn with Azure VPN Gateway (VpnGw2AZ, generation 2, route-based).

    - The gateway lives in GatewaySubnet (subnets.py) with a zone-redundant public IP: the address the
      on-premises device builds its IPsec tunnel to. Only IKE/IPsec terminate there, and everything
      carried is encrypted, so it is the tunnel's outer endpoint, not an endpoint of the data plane.
    - `hdh:vpnPeer` ({address, prefixes}) adds the local network gateway and the connection: IKEv2 only,
      IPSEC_POLICY (no negotiation down to weaker suites), dead-peer detection at 45 s.
    - Pre-shared key: `hdh:vpnSharedKey` (a Pulumi secret) when the peer imposes one; otherwise the key is
      left out and Azure generates a random one, read by the network team with
      `az network vpn-connection shared-key show`. No key is ever written in the program.
    - Gateway and tunnel diagnostics (IKE, routes, tunnel events) to Log Analytics.

    Without `hdh:vpnPeer` (an offline plan, a stack before the on-premises side is known) the gateway is
    built alone, which is also its longest step (about 40 minutes). Both keys must be known to the stack
    configuration's validation (hdhport/stack_config.py).
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        config = pulumi.Config("hdh")
        raw_peer = config.get_object("vpnPeer")
        peer = Peer.parse(raw_peer) if raw_peer is not None else None
        shared_key = config.get_secret("vpnSharedKey")

        subnet = dedicated_subnet(self, "vpn-gateway")
        # The tunnel's outer address: only IKE (UDP 500/4500) and ESP are answered on it.
        tunnel_ip = edge_public_ip(self, "tunnel-ip", ZONES)
        gateway = network.VirtualNetworkGateway(
            self.role("gateway"), resource_group_name=p.scope, location=p.region,
            gateway_type=network.VirtualNetworkGatewayType.VPN, vpn_type=network.VpnType.ROUTE_BASED,
            vpn_gateway_generation=network.VpnGatewayGeneration.GENERATION2,
            sku=network.VirtualNetworkGatewaySkuArgs(name=network.VirtualNetworkGatewaySkuName.VPN_GW2_AZ,
                                                     tier=network.VirtualNetworkGatewaySkuTier.VPN_GW2_AZ),
            active_active=False, enable_bgp=False,
            ip_configurations=[network.VirtualNetworkGatewayIPConfigurationArgs(
                name="default", private_ip_allocation_method=network.IPAllocationMethod.DYNAMIC,
                subnet=network.SubResourceArgs(id=subnet.id), public_ip_address=network.SubResourceArgs(id=tunnel_ip.id))],
            tags=self.tags, opts=self.child())
        send_audit_logs(self, "audit", gateway.id, category_group="allLogs")

        if peer is not None:
            on_premises = network.LocalNetworkGateway(
                self.role("on-premises"), resource_group_name=p.scope, location=p.region,
                gateway_ip_address=peer.address if peer.is_ip else None,
                fqdn=None if peer.is_ip else peer.address,
                local_network_address_space=network.AddressSpaceArgs(address_prefixes=list(peer.prefixes)),
                tags=self.tags, opts=self.child())
            network.VirtualNetworkGatewayConnection(
                self.role("connection"), resource_group_name=p.scope, location=p.region,
                connection_type=network.VirtualNetworkGatewayConnectionType.IPSEC,
                connection_protocol=network.VirtualNetworkGatewayConnectionProtocol.IK_EV2,
                virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=gateway.id),
                local_network_gateway2=network.LocalNetworkGatewayArgs(id=on_premises.id),
                ipsec_policies=[IPSEC_POLICY], use_policy_based_traffic_selectors=False,
                connection_mode=network.VirtualNetworkGatewayConnectionMode.DEFAULT, dpd_timeout_seconds=45,
                enable_bgp=False, shared_key=shared_key, tags=self.tags,
                opts=self.child(additional_secret_outputs=["sharedKey"]))
        return gateway.id, None
