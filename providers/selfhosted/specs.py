"""What each self-hosted service needs: its cloud-init template, ports, disk and machine count.

Data, not code: providers/selfhosted/service.py turns a spec into VMs on any API family and renders
the service's template (providers/selfhosted/templates/<service>.yaml.j2) with `site` below.

Where software comes from (sovereignty: nothing is pulled from outside the platform):
- Debian 12 "bookworm" packages, pinned to the exact versions in DEBIAN (candidates read with
  `apt-cache policy` on 2026-11-22), from the platform mirror's dated snapshot of the Debian archive;
- software Debian does not ship, pinned in PRODUCTS, from the same mirror only: vendors' .deb
  packages re-signed in its `hdh` apt suite, release archives under /dist/<product>/<version>/
  (checked against the SHA256SUMS beside them), Python packages from its PyPI index (`==` pins),
  npm packages from its npm registry.
The mirror's TLS certificate chains to the platform root CA and its `hdh` suite is signed with the
platform archive key: both come from the stack (hdh:platformRootCa, hdh:archiveKeyring; settings.py),
installed by cloud-init at first boot, or else from a platform image that carries them (vm_image_catalogue).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from hdhport.addresses import ENCLAVES_CIDR, PLATFORM_CIDR, SERVICES_CIDR
from hdhport.names import DEFAULT_MIRROR, PRIVATE_ZONE
from providers.selfhosted.iaas import ADMIN_SOURCE, Ingress

#: The platform's own package mirror: the only source of software for self-hosted machines.
MIRROR = DEFAULT_MIRROR

#: Debian 12 packages and their pinned versions; templates name packages, never versions.
DEBIAN: dict[str, str] = {
    "apache2-utils": "2.4.71-1~deb12u1",
    "auditd": "1:3.0.9-1",
    "bind9-dnsutils": "1:9.18.49-1~deb12u3",
    "c-icap": "1:0.5.10-4",
    "ca-certificates": "20250419~deb12u2",
    "certbot": "2.1.0-4",
    "charon-systemd": "5.9.8-5+deb12u6",
    "clamav-daemon": "1.4.6+dfsg-0+deb12u1",
    "clamav-freshclam": "1.4.6+dfsg-0+deb12u1",
    "clevis": "19-2",
    "clevis-luks": "19-2",
    "clevis-systemd": "19-2",
    "conntrack": "1:1.4.7-1+b2",
    "containerd": "1.6.20~ds1-1+deb12u3",
    "cryptsetup": "2:2.6.1-4~deb12u2",
    "curl": "7.88.1-10+deb12u15",
    "dbus-x11": "1.14.10-1~deb12u1",
    "docker-compose": "1.29.2-3",
    "docker.io": "20.10.24+dfsg1-1+deb12u1+b6",
    "firefox-esr": "153.7.0esr-1~deb12u1",
    "git": "1:2.39.5-0+deb12u3",
    "haproxy": "2.6.12-1+deb12u4",
    "jetty9": "9.4.57-1.1~deb12u1",
    "jq": "1.6-2.1+deb12u3",
    "keepalived": "1:2.2.7-1+b2",
    "libpostgresql-jdbc-java": "42.5.5-0+deb12u1",
    "krb5-user": "1.20.1-2+deb12u5",
    "ldap-utils": "2.5.13+dfsg-5",
    "libc-icap-mod-virus-scan": "1:0.5.5-2+deb12u1",
    "mosquitto": "2.0.11-1.2+deb12u2",
    "munge": "0.5.15-2+deb12u1",
    "nfs-kernel-server": "1:2.6.2-4+deb12u1",
    "nftables": "1.0.6-2+deb12u2",
    "nginx": "1.22.1-9+deb12u11",
    "node-configurable-http-proxy": "4.5.3+~cs15.2.4-3",
    "nodejs": "18.20.4+dfsg-1~deb12u3",
    "npm": "9.2.0~ds1-1",
    "openjdk-17-jre-headless": "17.0.21.1+2-1~deb12u1",
    "openscap-scanner": "1.3.7+dfsg-1+deb12u1",
    "openscap-utils": "1.3.7+dfsg-1+deb12u1",
    "pdns-backend-sqlite3": "4.7.3-2",
    "pdns-recursor": "4.8.8-1+deb12u1",
    "pdns-server": "4.7.3-2",
    "pdns-tools": "4.7.3-2",
    "pgbackrest": "2.45-1",
    "postgresql-15": "15.20-0+deb12u1",
    "postgresql-15-pgaudit": "1.7.0-2",
    "prometheus": "2.42.0+ds-5+deb12u1",
    "prometheus-alertmanager": "0.25.0-1+b4",
    "prometheus-node-exporter": "1.5.0-1+b6",
    "python3-venv": "3.11.2-1+b1",
    "r-base-core": "4.2.2.20221110-2",
    "rabbitmq-server": "3.10.8-1.1+deb12u1",
    "rclone": "1.60.1+dfsg-2+b5",
    "redis-server": "5:7.0.15-1~deb12u10",
    "restic": "0.14.0-1+b5",
    "rsyslog": "8.2302.0-1+deb12u2",
    "rsyslog-gnutls": "8.2302.0-1+deb12u2",
    "samba": "2:4.17.12+dfsg-0+deb12u4",
    "slurm-client": "22.05.8-4+deb12u3",
    "slurmctld": "22.05.8-4+deb12u3",
    "slurmd": "22.05.8-4+deb12u3",
    "smbclient": "2:4.17.12+dfsg-0+deb12u4",
    "sqlite3": "3.40.1-2+deb12u2",
    "squid": "5.7-2+deb12u6",
    "ssg-debian": "0.1.65-1",
    "strongswan-swanctl": "5.9.8-5+deb12u6",
    "tang": "11-2+deb12u1",
    "unattended-upgrades": "2.9.1+nmu3",
    "winbind": "2:4.17.12+dfsg-0+deb12u4",
    "xfce4": "4.18",
    "xorgxrdp": "1:0.9.19-1",
    "xrdp": "0.9.21.1-1+deb12u3",
}

#: Software Debian does not ship, from the platform mirror only. For packages of the mirror's `hdh`
#: apt suite the value is the exact .deb version; otherwise the release (archive, PyPI, npm).
PRODUCTS: dict[str, str] = {
    # .deb packages in the mirror's hdh suite (vendors' packages, or the platform's own builds)
    "apptainer": "1.3.6",
    "cri-tools": "1.31.1-1.1",
    "filebeat": "7.10.2-1",
    "fluent-bit": "3.2.4",
    "grafana": "11.4.0",
    "greenbone-feed-sync": "25.1.0-1",
    "gsad": "24.2.0-1",
    "guacd": "1.5.5-1",
    "gvmd": "24.1.3-1",
    "kubeadm": "1.31.4-1.1",
    "kubectl": "1.31.4-1.1",
    "kubelet": "1.31.4-1.1",
    "mcli": "20241121172154.0.0",
    "minio": "20241218131544.0.0",
    "notus-scanner": "22.6.5-1",
    "openbao": "2.1.0",
    "opensearch": "2.18.0",
    "openvas-scanner": "23.15.3-1",
    "ospd-openvas": "22.7.1-1",
    "otelcol-contrib": "0.116.0",
    "pg-gvm": "22.6.5-1",
    "redpanda-connect": "4.43.0",
    "rstudio-server": "2024.12.0+467",
    "sftpgo": "2.6.4-1",
    "step-ca": "0.28.1",
    "step-cli": "0.28.2",
    "trivy": "0.58.1",
    "wazuh-agent": "4.9.2-1",
    "wazuh-dashboard": "4.9.2-1",
    "wazuh-indexer": "4.9.2-1",
    "wazuh-manager": "4.9.2-1",
    # release archives under {MIRROR}/dist/<product>/<version>/
    "coraza-spoa": "0.1.0",
    "coreruleset": "4.10.0",
    "flannel": "0.26.2",
    "guacamole": "1.5.5",
    "harbor": "2.12.0",
    "keycloak": "26.0.7",
    "opa": "0.70.0",
    "openmetadata": "1.6.1",
    "rest-server": "0.13.0",
    "spark": "3.5.4",
    "wazuh": "4.9.2",
    # Python packages from the mirror's PyPI index
    "apache-airflow": "2.10.4",
    "devpi-client": "7.2.0",
    "devpi-server": "6.14.0",
    "devpi-web": "4.2.2",
    "jupyter-rsession-proxy": "2.2.1",
    "jupyter-server-proxy": "4.4.0",
    "jupyterhub": "5.2.1",
    "jupyterhub-systemdspawner": "1.0.2",
    "jupyterlab": "4.3.4",
    "mlflow": "2.19.0",
    "oauthenticator": "17.1.0",
    "psycopg2-binary": "2.9.10",
    # npm packages from the mirror's npm registry
    "node-red": "4.0.5",
}


@dataclass(frozen=True)
class Site:
    """What every template may rely on about the platform: mirror, DNS zone, private ranges, pins."""

    mirror: str = MIRROR
    zone: str = PRIVATE_ZONE
    platform_cidr: str = PLATFORM_CIDR
    services_cidr: str = SERVICES_CIDR
    enclaves_cidr: str = ENCLAVES_CIDR
    debian_snapshot: str = "20261122T000000Z"
    """Dated snapshot of the Debian archive the pins above were read from."""
    debian: Mapping[str, str] = field(default_factory=lambda: dict(DEBIAN))
    products: Mapping[str, str] = field(default_factory=lambda: dict(PRODUCTS))
    relay_path: str = "/artefacts"
    """Where package_mirror relays the artefact mirror to the enclaves (templates/package_mirror.yaml.j2)."""

    @property
    def mirror_host(self) -> str:
        return self.mirror.split("://", 1)[1].split("/", 1)[0]

    def host(self, service_id: str) -> str:
        """The private DNS name under which a platform service is published (private_dns)."""
        return f"{service_id.replace('_', '-')}.{self.zone}"

    @property
    def relay(self) -> str:
        """The artefact mirror as the enclaves' machines reach it: their subnets reach nothing outside the platform,
        so through package_mirror, which reaches the mirror through the platform's egress."""
        return f"https://{self.host('package_mirror')}{self.relay_path}"


SITE = Site()


@dataclass(frozen=True)
class TemplateSpec:
    template: str
    """Jinja2 cloud-config template under providers/selfhosted/templates/."""
    role: str
    """Short machine role, used in resource names (e.g. `rabbitmq`)."""
    ingress: tuple[Ingress, ...]
    """The only inbound flows allowed, from private ranges only."""
    endpoint: str
    """How applications reach it, with {host} for the first machine's private IP."""
    data_disk_gb: int = 100
    count: int = 1
    """Machines; 3 for quorum systems. Machine i is named <component>-<role>-<i> by every API family."""
    gpu: bool = False
    provides: Mapping[str, str] = field(default_factory=dict)
    """Placement fields this service hands on (foundation fallbacks), with {endpoint}."""
    stateless: bool = False
    """Its disk holds nothing a rebuilt machine could not recreate (caches, spools, configuration the
    program renders): not protected. Every other self-hosted disk is, health data or not: audit trails,
    directories, secrets, certificates' authority, queues, catalogues, reports."""


def _tcp(port: int, description: str, source: str = PLATFORM_CIDR) -> Ingress:
    return Ingress(port=port, source=source, description=description)


def _udp(port: int, description: str, source: str = PLATFORM_CIDR) -> Ingress:
    return Ingress(port=port, source=source, protocol="udp", description=description)


def _both(port: int, description: str) -> tuple[Ingress, Ingress]:
    """A port research VMs use too: from the platform and from the enclaves (their own, host-side)."""
    return _tcp(port, description), _tcp(port, f"{description} (enclaves)", ENCLAVES_CIDR)


#: Opened on every self-hosted machine: SSH from wherever the family's bastion connects from, the rest from
#: the services subnet only (metrics, platform CA).
COMMON_INGRESS = (
    _tcp(22, "SSH from the bastion", ADMIN_SOURCE),
    _tcp(80, "ACME http-01 challenges from the platform CA", SERVICES_CIDR),
    _tcp(9100, "node exporter scraped by metrics", SERVICES_CIDR),
)


def _spec(role: str, ingress: tuple[Ingress, ...], endpoint: str, data_disk_gb: int = 100, count: int = 1,
          gpu: bool = False, provides: Mapping[str, str] | None = None, stateless: bool = False) -> TemplateSpec:
    # The template is named after the service id; SPECS fills it in.
    return TemplateSpec(template="", role=role, ingress=tuple(ingress) + COMMON_INGRESS, endpoint=endpoint,
                        data_disk_gb=data_disk_gb, count=count, gpu=gpu, provides=dict(provides or {}),
                        stateless=stateless)


#: A research project's machine (cpu_vm, gpu_vm), which every family builds from the provider-neutral base
#: (providers/selfhosted/service.py research_machine_request): a stock image carries no auditd and research subnets
#: have no way out but the platform's mirror. Reached by SSH and RDP from the bastion and the desktops only.
RESEARCH_MACHINE = TemplateSpec(
    template="research_vm.yaml.j2", role="vm",
    ingress=(*COMMON_INGRESS, _tcp(3389, "RDP from the bastion and the virtual desktop hosts", ADMIN_SOURCE)),
    endpoint="ssh://{host}", data_disk_gb=100)

_SPECS: dict[str, TemplateSpec] = {
    "alerting": _spec("alertmanager", (_tcp(9093, "Alertmanager API and UI over TLS"),),
                      "https://{host}:9093", data_disk_gb=20),
    "antimalware": _spec("clamav", (_tcp(11344, "ICAP over TLS (c-icap with ClamAV)"),),
                         "icaps://{host}:11344/avscan", data_disk_gb=20, stateless=True),
    "archive_storage": _spec("minio", _both(9000, "S3 API over TLS"), "https://{host}:9000", data_disk_gb=2000),
    "audit_log": _spec("wazuh", (*_both(1514, "Wazuh agent events"), *_both(1515, "Wazuh agent enrolment (TLS)"),
                                 *_both(6514, "syslog over TLS"), _tcp(55000, "Wazuh API over TLS")),
                       "tls://{host}:6514", data_disk_gb=500),
    "backup_vault": _spec("restic", _both(8000, "restic REST server over TLS (append-only)"),
                          "https://{host}:8000", data_disk_gb=2000),
    "bastion": _spec("guacamole", (_tcp(443, "Guacamole over TLS"),), "https://{host}/guacamole/",
                     data_disk_gb=100),
    # Jobs are submitted with sbatch on machine 0 (controller and login node), over SSH from the bastion.
    "batch_compute": _spec("slurm", (_tcp(6817, "slurmctld (munge-authenticated)"), _tcp(6818, "slurmd"),
                                     *(_tcp(port, "srun I/O back to the login node") for port in range(60001, 60005))),
                           "ssh://{host}", data_disk_gb=200, count=3),
    "budget_alerts": _spec("budget", (_tcp(9093, "Alertmanager API over TLS"), _tcp(9090, "Prometheus API over TLS")),
                           "https://{host}:9093", data_disk_gb=20),
    "certificate_management": _spec("stepca", _both(443, "ACME directory over TLS"),
                                     "https://{host}/acme/hdh/directory", data_disk_gb=20),
    "container_registry": _spec("harbor", _both(443, "OCI distribution API over TLS"), "https://{host}",
                                data_disk_gb=500),
    "cost_monitoring": _spec("focus", (_tcp(443, "FOCUS exports over TLS"),), "https://{host}/focus/",
                             data_disk_gb=50),
    "data_catalogue": _spec("openmetadata", (_tcp(443, "OpenMetadata UI, API and OpenLineage over TLS"),),
                            "https://{host}", data_disk_gb=100),
    "data_lake": _spec("minio", _both(9000, "S3 API over TLS"), "https://{host}:9000", data_disk_gb=2000),
    "ddos_protection": _spec("edge", (_tcp(443, "HTTPS entry point (to the WAF)"),
                                      _udp(500, "IKE entry point (to the VPN)"),
                                      _udp(4500, "IPsec NAT-T entry point (to the VPN)")),
                             "{host}", data_disk_gb=10, stateless=True),
    "directory": _spec("keycloak", (_tcp(8443, "Keycloak OIDC and SAML over TLS"),),
                       "https://{host}:8443/realms/hdh", data_disk_gb=50),
    "disk_encryption": _spec("tang", _both(443, "Tang key exchange over TLS"), "https://{host}",
                             data_disk_gb=10, count=2),
    "etl_orchestration": _spec("airflow", (_tcp(8443, "Airflow UI and REST API over TLS"),),
                               "https://{host}:8443", data_disk_gb=100),
    "event_trigger": _spec("connect", (_tcp(4195, "CloudEvents webhook intake over TLS"),),
                           "https://{host}:4195/events", data_disk_gb=20),
    "file_share": _spec("nfs", _both(2049, "NFSv4"), "nfs://{host}/srv/share", data_disk_gb=500),
    "key_management": _spec("openbao", (*_both(8200, "vault API over TLS"), _tcp(8201, "raft cluster over TLS")),
                            "https://{host}:8200", data_disk_gb=20, count=3,
                            provides={"key_ref": "{endpoint}/v1/transit/keys/hdh-platform"}),
    "kubernetes": _spec("kube", (_tcp(6443, "Kubernetes API over TLS"), _tcp(2379, "etcd clients over TLS"),
                                 _tcp(2380, "etcd peers over TLS"), _tcp(10250, "kubelet API over TLS"),
                                 _udp(8472, "flannel VXLAN between nodes")),
                        "https://{host}:6443", data_disk_gb=100, count=3),
    "load_balancer": _spec("haproxy", (_tcp(443, "HTTPS frontend"), _tcp(8404, "HAProxy stats over TLS")),
                           "https://{host}", data_disk_gb=10, count=2, stateless=True),
    "log_analytics": _spec("opensearch", (_tcp(9200, "OpenSearch REST API over TLS"),
                                          _tcp(9300, "OpenSearch transport over TLS"),
                                          *_both(6514, "syslog over TLS (Fluent Bit)"),
                                          *_both(4318, "OTLP/HTTP logs over TLS (Fluent Bit)")),
                           "https://{host}:9200", data_disk_gb=500, count=3),
    "managed_ad": _spec("samba", (
        _tcp(53, "DNS"), _udp(53, "DNS"), _tcp(88, "Kerberos"), _udp(88, "Kerberos"), _tcp(135, "RPC endpoint mapper"),
        _tcp(445, "SMB"), _tcp(464, "Kerberos password change"), _udp(464, "Kerberos password change"),
        _tcp(636, "LDAPS"), _tcp(3269, "global catalogue over TLS"),
        *(_tcp(port, "RPC (restricted dynamic range)") for port in range(49152, 49160))),
        "ldaps://{host}:636", data_disk_gb=50, count=2),
    "message_queue": _spec("rabbitmq", (_tcp(5671, "AMQP 1.0 and 0-9-1 over TLS"),
                                        _tcp(15671, "management API over TLS"),
                                        _tcp(25672, "RabbitMQ inter-node over TLS"), _tcp(4369, "epmd")),
                           "amqps://{host}:5671", data_disk_gb=100, count=3),
    "metrics": _spec("prometheus", (_tcp(9090, "Prometheus API over TLS"), _tcp(3000, "Grafana over TLS"),
                                    *_both(4318, "OTLP/HTTP metrics over TLS")),
                     "https://{host}:9090", data_disk_gb=200),
    "ml_workspace": _spec("mlflow", _both(5000, "MLflow tracking API over TLS"), "https://{host}:5000",
                          data_disk_gb=200),
    "nat_egress": _spec("nat", (_tcp(443, "forwarded HTTPS to approved sources"),
                                _tcp(80, "forwarded HTTP to approved sources")),
                        "{host}", data_disk_gb=10, stateless=True),
    "notebook_server": _spec("jupyterhub", (_tcp(443, "JupyterHub over TLS"),), "https://{host}/hub/",
                             data_disk_gb=500),
    "object_storage": _spec("minio", _both(9000, "S3 API over TLS"), "https://{host}:9000", data_disk_gb=500),
    "package_mirror": _spec("mirror", _both(443, "PyPI, CRAN and conda mirrors over TLS"), "https://{host}",
                            data_disk_gb=1000),
    "perimeter_firewall": _spec("firewall", (_tcp(3128, "egress proxy (allow-listed destinations)"),),
                                "{host}:3128", data_disk_gb=20),
    "policy_governance": _spec("opa", (_tcp(8181, "OPA decision API over TLS"),), "https://{host}:8181",
                               data_disk_gb=10),
    "posture_management": _spec("openscap", (_tcp(443, "benchmark reports over TLS"),), "https://{host}/reports/",
                                data_disk_gb=20),
    "private_dns": _spec("pdns", (*_both(53, "DNS"), _udp(53, "DNS"), _udp(53, "DNS (enclaves)", ENCLAVES_CIDR),
                                  _tcp(5300, "zone transfers between the servers"),
                                  _udp(5300, "zone change notifications"), _tcp(8443, "PowerDNS API over TLS")),
                         "dns://{host}", data_disk_gb=10, count=2),
    "relational_database": _spec("postgres", _both(5432, "PostgreSQL over TLS"),
                                 "postgresql://{host}:5432/hdh?sslmode=verify-full", data_disk_gb=200),
    "secrets_store": _spec("openbao", (*_both(8200, "vault API over TLS"), _tcp(8201, "raft cluster over TLS")),
                           "https://{host}:8200", data_disk_gb=20, count=3),
    "secure_file_transfer": _spec("sftpgo", (*_both(2022, "SFTP"), *_both(8443, "SFTPGo web client over TLS")),
                                  "sftp://{host}:2022", data_disk_gb=500),
    "security_groups": _spec("policy", _both(443, "host firewall rule sets over TLS"), "https://{host}/rules/",
                             data_disk_gb=10),
    "siem": _spec("wazuh", (*_both(1514, "Wazuh agent events"), *_both(1515, "Wazuh agent enrolment (TLS)"),
                            _tcp(55000, "Wazuh API over TLS"), _tcp(443, "Wazuh dashboard over TLS")),
                  "https://{host}", data_disk_gb=500),
    "site_to_site_vpn": _spec("strongswan", (_udp(500, "IKEv2"), _udp(4500, "IPsec NAT-T")), "ipsec://{host}",
                              data_disk_gb=10, stateless=True),
    "spark_engine": _spec("spark", (*_both(7077, "Spark master (authenticated, encrypted RPC)"),
                                    _tcp(7078, "Spark worker RPC"), _tcp(7079, "Spark block manager"),
                                    _tcp(8480, "Spark master UI over TLS")),
                          "spark://{host}:7077", data_disk_gb=200, count=3),
    "sso_mfa": _spec("keycloak", (_tcp(8443, "Keycloak OIDC and SAML over TLS"),),
                     "https://{host}:8443/realms/hdh", data_disk_gb=20),
    "virtual_desktop": _spec("desktop", (_tcp(443, "Guacamole over TLS"),), "https://{host}/guacamole/",
                             data_disk_gb=200),
    "vulnerability_scanning": _spec("openvas", (_tcp(443, "Greenbone Security Assistant over TLS"),),
                                    "https://{host}", data_disk_gb=100),
    "waf_gateway": _spec("waf", (_tcp(443, "HTTPS front door"),), "https://{host}", data_disk_gb=20, count=2, stateless=True),
    "workflow_automation": _spec("nodered", (_tcp(1880, "Node-RED over TLS"),), "https://{host}:1880",
                                 data_disk_gb=20),
}

SPECS: dict[str, TemplateSpec] = {
    service_id: replace(spec, template=f"{service_id}.yaml.j2")
    for service_id, spec in sorted(_SPECS.items())
}
