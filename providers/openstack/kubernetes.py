"""kubernetes on OpenStack: a private Magnum cluster with Calico and encrypted volumes."""
from __future__ import annotations

import pulumi
from pulumi_openstack import compute, containerinfra

from providers.openstack.common import OpenStackService, external_network_id, per_user

#: Pod network: clear of the platform's 10.20.0.0/16 and the enclaves' 10.64.0.0/10.
POD_CIDR = "10.100.0.0/16"


class Kubernetes(OpenStackService):
    """Abstract service kubernetes, with OpenStack Magnum.

    A cluster template and a cluster of three masters and three workers on the platform's network
    and services subnet: no floating IP on any node, the API behind Magnum's private load balancer
    (master_lb_enabled, with no floating IP on it either), TLS on, Calico for network policies
    (deny-by-default policies are then the workloads' job), Cinder CSI, Keystone authentication,
    API audit logs, and every disk (boot, container and etcd volumes) of the encrypted volume type.
    The operators' SSH key only. The cluster holds data (etcd, persistent volumes): protected and
    retained. The node image (`hdh:kubernetesImage`) and version (`hdh:kubernetesVersion`) must
    match the operator's Magnum driver; the external network is given because Magnum's template
    requires it, not for any floating IP. The endpoint is the Kubernetes API address.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        settings = self.settings
        encrypted = self.encrypted_volume_type()
        keypair = compute.Keypair(
            self.role("ssh"), name=per_user(self.scoped("kubernetes-operators")), public_key=self.placement.admin_ssh_public_key,
            opts=self.child())
        labels: dict[str, pulumi.Input[str]] = {
            "kube_tag": settings.kubernetes_version,
            "master_lb_floating_ip_enabled": "false",
            "boot_volume_size": "50", "boot_volume_type": encrypted,
            "docker_volume_type": encrypted,
            "etcd_volume_size": "20", "etcd_volume_type": encrypted,
            "calico_ipv4pool": POD_CIDR,
            "cinder_csi_enabled": "true",
            "keystone_auth_enabled": "true",
            "audit_log_enabled": "true",
        }
        template = containerinfra.ClusterTemplate(
            self.role("template"), name=self.scoped("kubernetes"), coe="kubernetes", server_type="vm",
            image=settings.kubernetes_image, flavor=self.sizing.cpu_flavor, master_flavor=self.sizing.cpu_flavor,
            external_network_id=external_network_id(settings), fixed_network=self.placement.network_id,
            fixed_subnet=self.placement.subnet_id, network_driver="calico", volume_driver="cinder",
            docker_storage_driver="overlay2", docker_volume_size=50, floating_ip_enabled=False,
            master_lb_enabled=True, tls_disabled=False, public=False, registry_enabled=False,
            keypair_id=keypair.name, labels=labels, opts=self.child())
        cluster = containerinfra.Cluster(
            self.role("cluster"), name=self.scoped("kubernetes"), cluster_template_id=template.id,
            master_count=3, node_count=3, keypair=keypair.name, fixed_network=self.placement.network_id,
            fixed_subnet=self.placement.subnet_id, floating_ip_enabled=False, master_lb_enabled=True,
            merge_labels=True, create_timeout=90, opts=self.keep())
        return cluster.api_address, self.data_key_ref()
