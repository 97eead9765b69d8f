"""load_balancer on OpenStack: a private Octavia load balancer in front of the platform's ingress tier."""
from __future__ import annotations

import pulumi
from pulumi_openstack import loadbalancer

from hdhport.addresses import PLATFORM_CIDR
from providers.openstack.common import INGRESS_ADDRESSES, OpenStackService

TLS_VERSIONS = ["TLSv1.2", "TLSv1.3"]
#: TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3's suites are all acceptable).
TLS_CIPHERS = ":".join([
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
])


class LoadBalancer(OpenStackService):
    """Abstract service load_balancer, with OpenStack Octavia.

    A load balancer whose VIP is a private address of the placement's subnet (no floating IP), a
    listener on 443 that admits clients from the platform's ranges (and the VPN peer's) only, a
    pool of the ingress tier's addresses (`hdh:loadBalancerBackends`, default the two addresses
    the address plan reserves for it) and a health monitor. TLS, always 1.2 or 1.3:
    - with `hdh:tlsContainerRef` (a Barbican certificate container, see certificate_management),
      Octavia terminates TLS (TERMINATED_HTTPS, forward-secret AEAD suites, HSTS, X-Forwarded-*)
      and re-encrypts to the members, which it health-checks over HTTPS;
    - without it, the listener passes TLS through (TCP) to the ingress tier, which terminates it,
      and the monitor checks the TLS handshake.
    Octavia cannot read the container in the same run certificate_management creates it, which is
    why its reference comes from the stack configuration. The endpoint is the VIP address.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        settings = self.settings
        backends = settings.load_balancer_backends or INGRESS_ADDRESSES
        terminate = settings.tls_container_ref is not None
        lb = loadbalancer.LoadBalancer(
            self.role("lb"), name=self.scoped("ingress"), description=self.description,
            vip_subnet_id=self.placement.subnet_id, admin_state_up=True, tags=self.tag_list, opts=self.child())
        allowed = [PLATFORM_CIDR, *settings.vpn_peer_cidrs]
        if terminate:
            listener = loadbalancer.Listener(
                self.role("https"), name=self.scoped("https"), loadbalancer_id=lb.id, protocol="TERMINATED_HTTPS",
                protocol_port=443, default_tls_container_ref=settings.tls_container_ref,
                tls_versions=TLS_VERSIONS, tls_ciphers=TLS_CIPHERS, alpn_protocols=["h2", "http/1.1"],
                hsts_max_age=31536000, hsts_include_subdomains=True,
                insert_headers={"X-Forwarded-For": "true", "X-Forwarded-Proto": "true"},
                allowed_cidrs=allowed, tags=self.tag_list, opts=self.child())
            pool = loadbalancer.Pool(
                self.role("pool"), name=self.scoped("ingress"), listener_id=listener.id, protocol="HTTP",
                lb_method="LEAST_CONNECTIONS", tls_enabled=True, tls_versions=TLS_VERSIONS, tls_ciphers=TLS_CIPHERS,
                tags=self.tag_list, opts=self.child())
            loadbalancer.Monitor(
                self.role("monitor"), name=self.scoped("ingress"), pool_id=pool.id, type="HTTPS", delay=10,
                timeout=5, max_retries=3, max_retries_down=3, http_method="GET", url_path="/healthz",
                expected_codes="200", opts=self.child())
        else:
            listener = loadbalancer.Listener(
                self.role("tls"), name=self.scoped("tls-passthrough"), loadbalancer_id=lb.id, protocol="TCP",
                protocol_port=443, allowed_cidrs=allowed, tags=self.tag_list, opts=self.child())
            pool = loadbalancer.Pool(
                self.role("pool"), name=self.scoped("ingress"), listener_id=listener.id, protocol="TCP",
                lb_method="LEAST_CONNECTIONS", tags=self.tag_list, opts=self.child())
            loadbalancer.Monitor(
                self.role("monitor"), name=self.scoped("ingress"), pool_id=pool.id, type="TLS-HELLO", delay=10,
                timeout=5, max_retries=3, max_retries_down=3, opts=self.child())
        for index, address in enumerate(backends):
            loadbalancer.Member(
                self.role(f"member-{index}"), name=self.scoped(f"ingress-{index}"), pool_id=pool.id, address=address,
                protocol_port=443, subnet_id=self.placement.subnet_id, admin_state_up=True,
                tags=self.tag_list, opts=self.child())
        return lb.vip_address, None
