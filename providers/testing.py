"""Build one service implementation alone on the mock engine, with a fixed placement.

Used by the golden snapshot and contract tests, and by anyone writing an implementation:
`record_service("object_storage", "azure")` returns every resource it registers.
"""
from __future__ import annotations

from functools import cache

from hdhport import paths
from hdhport.loader import load_catalogue
from hdhport.model import Catalogue
from hdhport.planner import EXAMPLE_SSH_KEY, PlanResult, record
from hdhport.resolve import Resolution, Way
from providers.contract import Placement, Sizing

#: Stand-ins for what the foundation services provide on each family; plain strings, so snapshots are stable.
PLACEMENTS = {
    "azure": Placement(
        api_family="azure", region="francecentral", scope="rg-hdh-platform",
        network_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.Network/virtualNetworks/vnet-hdh",
        subnet_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.Network/virtualNetworks/vnet-hdh/subnets/services",
        key_ref="https://kv-hdh.vault.azure.net/keys/hdh-platform",
        key_vault_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.KeyVault/vaults/kv-hdh",
        identity_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-hdh",
        disk_encryption_ref="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.Compute/diskEncryptionSets/des-hdh",
        log_workspace_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.OperationalInsights/workspaces/log-hdh",
        log_endpoint_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.Insights/dataCollectionEndpoints/dce-hdh",
        log_linux_rule_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.Insights/dataCollectionRules/dcr-hdh-syslog",
        log_windows_rule_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.Insights/dataCollectionRules/dcr-hdh-eventlog",
        oidc_issuer="https://francecentral.oic.prod-aks.azure.com/tenant/cluster/",
        certificate_vault_id="/subscriptions/s/resourceGroups/rg-hdh-platform/providers/Microsoft.KeyVault/vaults/kvc-hdh",
        tls_certificate_ref="https://kvc-hdh.vault.azure.net/secrets/hdh-gateway-tls",
        tls_inspection_ca_ref="https://kvc-hdh.vault.azure.net/secrets/hdh-firewall-tls-inspection-ca",
        admin_ssh_public_key=EXAMPLE_SSH_KEY,
    ),
    "openstack": Placement(
        api_family="openstack", region="gra", scope="",
        network_id="net-hdh-id", subnet_id="subnet-services-id",
        key_ref="https://barbican.example:9311/v1/secrets/hdh-platform",
        disk_encryption_ref="LUKS", admin_ssh_public_key=EXAMPLE_SSH_KEY,
    ),
    # No disk encryption reference: Scaleway's volumes take no customer key (machines encrypt in the guest).
    "scaleway": Placement(
        api_family="scaleway", region="fr-par", scope="",
        network_id="fr-par/vpc-hdh-id", subnet_id="fr-par/pn-services-id",
        key_ref="fr-par/key-hdh-id", admin_ssh_public_key=EXAMPLE_SSH_KEY,
    ),
}
SIZINGS = {
    "azure": Sizing(cpu_flavor="Standard_D4s_v5", gpu_flavor="Standard_NC24ads_A100_v4",
                    image="Debian:debian-12:12-gen2:latest"),
    "openstack": Sizing(cpu_flavor="b3-8", gpu_flavor="a100-180", image="Debian 12"),
    "scaleway": Sizing(cpu_flavor="POP2-2C-8G", gpu_flavor="H100-1-80G", image="debian_bookworm"),
}


#: Public certificates a recording loads through the stack (self-signed, valid 2025 to 2099; their keys were never
#: kept): the platform's server certificate, and a TLS inspection CA as Azure Firewall wants one (RSA 4096, CA,
#: path length 1, keyCertSign).
RECORDED_CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBijCCAS+gAwIBAgIBATAKBggqhkjOPQQDAjA7MTkwNwYDVQQDDDBwb3J0YWwu\n"
    "aGRoLmludGVybmFsIChoZGhwb3J0IHJlY29yZGluZyBzdGFuZC1pbikwIBcNMjUw\n"
    "MTAxMDAwMDAwWhgPMjA5OTEyMzEyMzU5NTlaMDsxOTA3BgNVBAMMMHBvcnRhbC5o\n"
    "ZGguaW50ZXJuYWwgKGhkaHBvcnQgcmVjb3JkaW5nIHN0YW5kLWluKTBZMBMGByqG\n"
    "SM49AgEGCCqGSM49AwEHA0IABFPSprCH1TDpjBwMJR9x6Qh565yeLBUO6XTKZVRP\n"
    "IIWbNtYWm0IuudLn/vjhcHaYYb701wNW8DezSF9k2Bb+0oujIjAgMB4GA1UdEQQX\n"
    "MBWCE3BvcnRhbC5oZGguaW50ZXJuYWwwCgYIKoZIzj0EAwIDSQAwRgIhALRiaC5F\n"
    "xr+AZWtQpS1xXgbPnoBA4/hYXMjRLXHo9hqkAiEAlclBCiYY04Sej8YegC+GCYdr\n"
    "ANSQJncf74v4XjJnwEE=\n"
    "-----END CERTIFICATE-----\n")
RECORDED_INSPECTION_CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIFHTCCAwWgAwIBAgIBAjANBgkqhkiG9w0BAQsFADA9MTswOQYDVQQDDDJIREgg\n"
    "VExTIGluc3BlY3Rpb24gQ0EgKGhkaHBvcnQgcmVjb3JkaW5nIHN0YW5kLWluKTAg\n"
    "Fw0yNTAxMDEwMDAwMDBaGA8yMDk5MTIzMTIzNTk1OVowPTE7MDkGA1UEAwwySERI\n"
    "IFRMUyBpbnNwZWN0aW9uIENBIChoZGhwb3J0IHJlY29yZGluZyBzdGFuZC1pbikw\n"
    "ggIiMA0GCSqGSIb3DQEBAQUAA4ICDwAwggIKAoICAQDF3/v98Bfu8BDlymyLmxmB\n"
    "6Qc1PDCI7fwiLTiivtNAPFRvkUKo5kieNYURlj3/Jgk+FIw8GZJVjDzZoq8+JLhF\n"
    "uVonVciLucSOVmcXM7AvjKnBqzZuAZ5ylC112UL9mY0I0IoCYl/AhO00D/po2pXg\n"
    "SkFgnbwAe+E3FKdZtXerflbJ1BP1+8tApUv0FaB1BYf95qUak8McCnnkk4O1ET47\n"
    "CyDPRGq5tA6dtQMWSEvNn4zHEhdhhBoo9vTgzbcIZcHWCfd9Ubh1yCIdHeP5ZiI8\n"
    "SCfJ4NiD9T9sgiy2ZE+uw7p1RafuAciRgPHZ2DV/SWx23yqPkaHQeEmjtVlcZGzC\n"
    "wHRmdYYF3j1irg0Js4M3hLtnys9VpFRYtNTnKQnKsOgSyGaO+wufWdu8UHdOjXnl\n"
    "IRsm26+rKXj3qzHNtcoK3YdNvVnvEVnuHsxPDvZt/xmJQP6dsGPHaiVNYIJkbz5u\n"
    "9hTOvkpYIxR5xXVhIAGfaA5VseKuY4+hsCvXLyt+XLWI1KXLrOI03A3yy/NxMVpK\n"
    "X4Q83cAgvw4/0yaaIInrermOv2ykrtxOtI3baCfPjH0ifdZh2ZKBnKTNnBBNu8hY\n"
    "39w4qQjpQwgn+53kZjTSYCjZDix0zQtY/WQAV06D87zsWGAoiVc4wrhlcp0xwCL9\n"
    "Vf80YpQwoWfWN3KZo6XVFQIDAQABoyYwJDASBgNVHRMBAf8ECDAGAQH/AgEBMA4G\n"
    "A1UdDwEB/wQEAwIBhjANBgkqhkiG9w0BAQsFAAOCAgEAO/IBqjg4Eesi7wiGu7rc\n"
    "tV2HhYi57RewsU5VMtxf/rSg2T5d2U+WuyrD6CVrFMVCjIBG0ha6QmFZsNoogzGQ\n"
    "85YTMje5HQ0Xc9SQnMuWixtWYaGrs/rQA2dWyn1/sEqz9XLp+HIC12RYHyOh4clf\n"
    "H5PrwOlJuCpn5YMQaNUSVpMy22jW1hFFI62Y/DqHWUelSXMYLNEQ+zMFkvYD4xxf\n"
    "J5O6YXaed8OsUIyc+ykEWIbQrBp7cAw+uQODE8Iev8PMcR4/E3hSaZdeYID4zU+I\n"
    "ImEHcCVBILrL7+kVEiaaYNgKN4s1w7WcNOssF1uuL/28IpbRDNdtv2hwougy1D/3\n"
    "yIpLbjdtJGRCLCoXLD2MyT0+Ay3835o+tZzYYBeyg4VFufyTeWhsrfPFjjw65fmu\n"
    "Rz+WvcchTk5s9mRfR5RtCRphleO1NgTzzM9AlQpwg+tyLPk2/8qDzrBX71LiyYgu\n"
    "NznVb4EHPPNZXWb8dNlHXAfnulpu409TzUazge5ZQ7b2QSSLDDDMA7TaFW0keSLU\n"
    "ICi5PvVCheRsZcZiJEGSVXPXIZgYxcn/iquWdFi+H7O2rXW6V6ESI2BP4V0Uk+Ry\n"
    "ph01Js6cJuwUH6hRfBtcpH6F6cNVH2NWbUUiw1XKPLofjNoa+wU/Rn20PzLOFKvb\n"
    "ZBjnYtTOj6yMJiPJBObJi/k=\n"
    "-----END CERTIFICATE-----\n")
#: Stack settings a recording gives every implementation, so each builds all it can: the platform's TLS
#: certificate and the firewall's inspection CA loaded through the stack, their private keys held encrypted as in a
#: real stack file (the run gets the placeholder an offline plan gets for them).
RECORDING_CONFIG = {"hdh:tlsCertificate": RECORDED_CERTIFICATE, "hdh:tlsPrivateKey": {"secure": "v1:recorded"},
                    "hdh:tlsInspectionCertificate": RECORDED_INSPECTION_CA,
                    "hdh:tlsInspectionPrivateKey": {"secure": "v1:recorded"}}


@cache
def catalogue() -> Catalogue:
    return load_catalogue(paths.CATALOGUE)


def record_service(service_id: str, family: str, api_family: str | None = None,
                   enclave: str | None = None) -> PlanResult:
    """Record one implementation: `family` is the registry family (azure, openstack, selfhosted);
    `api_family` the cloud it runs on (defaults to `family`; required for selfhosted)."""
    from providers.build import build_service

    api = api_family or family
    service = catalogue().service(service_id)
    impl = service.implementation(api)
    product = impl.product if family != "selfhosted" or impl.kind == "self-hosted" else impl.fallback
    way: Way = "self-hosted" if family == "selfhosted" else "native"
    resolution = Resolution(service_id, way, family, product or service.name, "recorded alone")
    return record(lambda: build_service(service, resolution, PLACEMENTS[api], SIZINGS[api], enclave),
                  stack=f"{service_id}-{family}", config=dict(RECORDING_CONFIG))
