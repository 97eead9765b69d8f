"""site_to_site_vpn on OpenStack: Neutron VPNaaS (IPsec, IKEv2) on a router of the services subnet."""
from __future__ import annotations

import pulumi
from pulumi_openstack import networking, vpnaas

from hdhport.prerequisites import Prerequisite, unless_given
from providers.openstack.common import VPN_ROUTER_IP, OpenStackService, external_network_id

#: ANSSI-compatible suite: AES-256, SHA-384, ECDH on P-384 (group 20) for IKE and for PFS.
CIPHER = "aes-256"
HASH = "sha384"
DH_GROUP = "group20"


#: What the connection needs from the stack: the peer's networks, its public address, the pre-shared key.
PEER_KEYS = ("hdh:vpnPeerCidrs", "hdh:vpnPeerAddress", "hdh:vpnSharedKey")


class SiteToSiteVpn(OpenStackService):
    """Abstract service site_to_site_vpn, with Neutron VPNaaS.

    A VPN router with a gateway on the operator's external network (its address is the tunnel's
    local endpoint; no floating IP) and a leg on the services subnet at the address the address plan
    reserves for it (VPNaaS encrypts only subnets attached to its router); IKEv2 and ESP tunnel
    policies with AES-256, SHA-384 and PFS on ECDH P-384; the VPN service with a local endpoint
    group (the services subnet). With `hdh:vpnPeerCidrs`, a peer endpoint group and host routes
    sending those ranges to the VPN router; with `hdh:vpnPeerAddress` and the pre-shared key
    `hdh:vpnSharedKey` (a Pulumi secret: VPNaaS knows no other authentication), the site connection,
    with dead-peer detection. The peer is a prerequisite of the stack: `pulumi up` refuses a stack without
    it rather than build a VPN to nowhere or with a made-up key (an offline plan of one draws the service
    without its peer and connection, and reports it). The endpoint is the local public address.
    """

    @classmethod
    def prerequisites(cls) -> tuple[Prerequisite, ...]:
        return unless_given(
            PEER_KEYS, "site_to_site_vpn",
            "the IPsec connection needs its peer's networks, public "
            "address and pre-shared key (a Pulumi secret: VPNaaS knows no other authentication); "
            "without them the VPN service would wait for a peer nobody named",
            'docs/operations.md, "Prerequisites the program cannot create"')

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        settings = self.settings
        router = networking.Router(
            self.role("router"), name=self.scoped("vpn"), description=self.description, admin_state_up=True,
            external_network_id=external_network_id(settings), tags=self.tag_list, opts=self.child())
        leg = networking.Port(
            self.role("leg"), name=self.scoped("vpn-router"), network_id=self.placement.network_id,
            fixed_ips=[networking.PortFixedIpArgs(subnet_id=self.placement.subnet_id, ip_address=VPN_ROUTER_IP)],
            admin_state_up=True, description="the VPN router's leg on the services subnet", tags=self.tag_list,
            opts=self.child())
        attached = networking.RouterInterface(
            self.role("router-services"), router_id=router.id, port_id=leg.id, opts=self.child())
        ike = vpnaas.IkePolicy(
            self.role("ike"), name=self.scoped("ike"), description="IKEv2, AES-256, SHA-384, ECDH P-384",
            ike_version="v2", encryption_algorithm=CIPHER, auth_algorithm=HASH, pfs=DH_GROUP,
            lifetimes=[vpnaas.IkePolicyLifetimeArgs(units="seconds", value=28800)], opts=self.child())
        ipsec = vpnaas.IpSecPolicy(
            self.role("ipsec"), name=self.scoped("ipsec"), description="ESP tunnel, AES-256, SHA-384, PFS P-384",
            transform_protocol="esp", encapsulation_mode="tunnel", encryption_algorithm=CIPHER,
            auth_algorithm=HASH, pfs=DH_GROUP,
            lifetimes=[vpnaas.IpSecPolicyLifetimeArgs(units="seconds", value=3600)], opts=self.child())
        service = vpnaas.Service(
            self.role("service"), name=self.scoped("vpn"), description=self.description, router_id=router.id,
            admin_state_up=True, opts=self.child(depends_on=[attached]))
        local = vpnaas.EndpointGroup(
            self.role("local"), name=self.scoped("vpn-local"), description="the platform's services subnet",
            type="subnet", endpoints=[self.placement.subnet_id], opts=self.child(depends_on=[attached]))
        if not settings.vpn_peer_cidrs:  # an offline plan of a stack without its peer (`prerequisites`)
            return service.external_v4_ip, None
        peer = vpnaas.EndpointGroup(
            self.role("peer"), name=self.scoped("vpn-peer"), description="the networks behind the peer gateway",
            type="cidr", endpoints=list(settings.vpn_peer_cidrs), opts=self.child())
        for index, cidr in enumerate(settings.vpn_peer_cidrs):
            networking.SubnetRoute(
                self.role(f"route-{index}"), subnet_id=self.placement.subnet_id, destination_cidr=cidr,
                next_hop=VPN_ROUTER_IP, opts=self.child(depends_on=[attached]))
        if settings.vpn_shared_key is None or settings.vpn_peer_address is None:
            return service.external_v4_ip, None
        vpnaas.SiteConnection(
            self.role("connection"), name=self.scoped("vpn-peer"), description=self.description,
            vpnservice_id=service.id, ikepolicy_id=ike.id, ipsecpolicy_id=ipsec.id,
            local_ep_group_id=local.id, peer_ep_group_id=peer.id, peer_address=settings.vpn_peer_address,
            peer_id=settings.vpn_peer_id or settings.vpn_peer_address, psk=settings.vpn_shared_key,
            initiator="bi-directional", admin_state_up=True,
            dpds=[vpnaas.SiteConnectionDpdArgs(action="restart", interval=30, timeout=120)], opts=self.child())
        return service.external_v4_ip, None
