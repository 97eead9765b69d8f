"""waf_gateway on Azure: Application Gateway WAF_v2 with a private frontend only, HTTPS only (TLS 1.2
at least), and a WAF policy running the OWASP core rule set in prevention mode."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import network

from hdhport.prerequisites import Prerequisite, unless_given
from providers.azure import tls
from providers.azure.arm import certificate_reader, resource_group_id, send_audit_logs
from providers.azure.private_dns import ZONE
from providers.azure.subnets import WAF_GATEWAY_PRIVATE_IP, dedicated_subnet
from providers.base import ServiceComponent

#: The gateway's server certificate: the platform's, loaded by certificate_management from the stack for
#: portal.hdh.internal; the gateway follows its renewals (versionless secret id).
TLS_CERTIFICATE = tls.SERVER_SECRET
ZONES = ["1", "2", "3"]
#: What the gateway needs from the stack: the portal's certificate (certificate_management loads it into its vault).
CERTIFICATE_KEYS = ("hdh:tlsCertificate", "hdh:tlsPrivateKey")


class WafGateway(ServiceComponent):
    """waf_gateway with Azure Application Gateway WAF_v2, private-only.

    - Frontend: one static private address in the gateway's dedicated subnet (subnets.py), named
      `portal.hdh.internal` by private_dns; no public frontend and no public IP. Azure supports a
      private-only v2 gateway once the subscription feature `EnableApplicationGatewayNetworkIsolation`
      (Microsoft.Network) is registered, with the subnet delegated to Microsoft.Network/applicationGateways;
      without the feature Azure demands a public frontend, and this gateway is refused rather than
      exposed.
    - HTTPS only (no port 80 listener), predefined policy AppGwSslPolicy20220101S (TLS 1.2 minimum,
      forward-secret AEAD ciphers), HTTPS re-encrypted to the backends with a health probe. The server
      certificate is the platform's (hdh:tlsCertificate), which certificate_management loads into its Key
      Vault (placement `tls_certificate_ref`); the gateway reads it with an identity of its own, Key Vault
      Secrets User on that one secret, and is created once that grant exists. The certificate is a prerequisite:
      `pulumi up` refuses a stack without it (an offline plan of one draws the subnet and WAF policy without
      the gateway, as Azure validates the reference when it creates one and a v2 gateway needs a listener).
    - WAF policy in Prevention mode with OWASP CRS 3.2 and the bot-protection rule set, request body
      inspection, and scrubbing of credentials (Authorization header, cookies) from the WAF logs.
    - Autoscaling 1-10 instances across three zones; access, performance and firewall logs to Log
      Analytics.
    The endpoint is https://portal.hdh.internal/ ("" until the gateway is built).
    """

    @classmethod
    def prerequisites(cls) -> tuple[Prerequisite, ...]:
        return unless_given(
            CERTIFICATE_KEYS, "waf_gateway",
            "the Application Gateway serves portal.hdh.internal with the "
            "platform's certificate, which certificate_management loads into its Key Vault (the key "
            "as a Pulumi secret); Azure cannot create a gateway without it",
            'docs/operations.md, "TLS certificates on Azure"')

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        subnet = dedicated_subnet(self, "application-gateway", delegation="Microsoft.Network/applicationGateways")
        policy = network.WebApplicationFirewallPolicy(
            self.role("waf-policy"), resource_group_name=p.scope, location=p.region,
            policy_name=f"waf-{self.name}",
            policy_settings=network.PolicySettingsArgs(
                state=network.WebApplicationFirewallEnabledState.ENABLED,
                mode=network.WebApplicationFirewallMode.PREVENTION,
                request_body_check=True, request_body_enforcement=True, max_request_body_size_in_kb=128,
                file_upload_enforcement=True, file_upload_limit_in_mb=100,
                # Credentials and session cookies never reach the logs.
                log_scrubbing=network.PolicySettingsLogScrubbingArgs(
                    state=network.WebApplicationFirewallScrubbingState.ENABLED,
                    scrubbing_rules=[
                        network.WebApplicationFirewallScrubbingRulesArgs(
                            match_variable=network.ScrubbingRuleEntryMatchVariable.REQUEST_HEADER_NAMES,
                            selector_match_operator=network.ScrubbingRuleEntryMatchOperator.EQUALS,
                            selector="Authorization", state=network.ScrubbingRuleEntryState.ENABLED),
                        network.WebApplicationFirewallScrubbingRulesArgs(
                            match_variable=network.ScrubbingRuleEntryMatchVariable.REQUEST_COOKIE_NAMES,
                            selector_match_operator=network.ScrubbingRuleEntryMatchOperator.EQUALS_ANY,
                            state=network.ScrubbingRuleEntryState.ENABLED)])),
            managed_rules=network.ManagedRulesDefinitionArgs(managed_rule_sets=[
                network.ManagedRuleSetArgs(rule_set_type="OWASP", rule_set_version="3.2"),
                network.ManagedRuleSetArgs(rule_set_type="Microsoft_BotManagerRuleSet", rule_set_version="1.0"),
            ]),
            tags=self.tags, opts=self.child())

        if not p.tls_certificate_ref:
            return "", None  # an offline plan of a stack without it (a prerequisite: `prerequisites`)
        identity, reader = certificate_reader(
            self, p.certificate_vault_id, p.tls_certificate_ref, tls.SERVER_SECRET,
            f"hdhport: {self.name} serves the platform's TLS certificate for portal.{ZONE}")

        gateway_name = f"agw-{self.name}"
        gateway_id = resource_group_id(self).apply(
            lambda group: f"{group}/providers/Microsoft.Network/applicationGateways/{gateway_name}")

        def part(kind: str, name: str) -> network.SubResourceArgs:
            """A reference to one of the gateway's own parts, by the id it will have."""
            return network.SubResourceArgs(id=gateway_id.apply(lambda gateway: f"{gateway}/{kind}/{name}"))

        gateway = network.ApplicationGateway(
            self.role("gateway"), resource_group_name=p.scope, location=p.region,
            application_gateway_name=gateway_name,
            sku=network.ApplicationGatewaySkuArgs(name=network.ApplicationGatewaySkuName.WA_F_V2,
                                                  tier=network.ApplicationGatewayTier.WA_F_V2),
            autoscale_configuration=network.ApplicationGatewayAutoscaleConfigurationArgs(min_capacity=1,
                                                                                         max_capacity=10),
            zones=ZONES, enable_http2=True, firewall_policy=network.SubResourceArgs(id=policy.id),
            identity=network.ManagedServiceIdentityArgs(type=network.ResourceIdentityType.USER_ASSIGNED,
                                                        user_assigned_identities=[identity.id]),
            gateway_ip_configurations=[network.ApplicationGatewayIPConfigurationArgs(
                name="gateway", subnet=network.SubResourceArgs(id=subnet.id))],
            frontend_ip_configurations=[network.ApplicationGatewayFrontendIPConfigurationArgs(
                name="private", subnet=network.SubResourceArgs(id=subnet.id),
                private_ip_address=WAF_GATEWAY_PRIVATE_IP,
                private_ip_allocation_method=network.IPAllocationMethod.STATIC)],
            frontend_ports=[network.ApplicationGatewayFrontendPortArgs(name="https", port=443)],
            ssl_certificates=[network.ApplicationGatewaySslCertificateArgs(
                name=TLS_CERTIFICATE, key_vault_secret_id=p.tls_certificate_ref)],
            ssl_policy=network.ApplicationGatewaySslPolicyArgs(
                policy_type=network.ApplicationGatewaySslPolicyType.PREDEFINED,
                policy_name=network.ApplicationGatewaySslPolicyName.APP_GW_SSL_POLICY20220101_S),
            backend_address_pools=[network.ApplicationGatewayBackendAddressPoolArgs(name="backend")],
            probes=[network.ApplicationGatewayProbeArgs(
                name="https", protocol=network.ApplicationGatewayProtocol.HTTPS, path="/",
                pick_host_name_from_backend_http_settings=True, interval=30, timeout=30, unhealthy_threshold=3)],
            backend_http_settings_collection=[network.ApplicationGatewayBackendHttpSettingsArgs(
                name="https", port=443, protocol=network.ApplicationGatewayProtocol.HTTPS,
                cookie_based_affinity=network.ApplicationGatewayCookieBasedAffinity.DISABLED,
                pick_host_name_from_backend_address=True, request_timeout=60, probe=part("probes", "https"))],
            http_listeners=[network.ApplicationGatewayHttpListenerArgs(
                name="https", protocol=network.ApplicationGatewayProtocol.HTTPS,
                frontend_ip_configuration=part("frontendIPConfigurations", "private"),
                frontend_port=part("frontendPorts", "https"),
                ssl_certificate=part("sslCertificates", TLS_CERTIFICATE))],
            request_routing_rules=[network.ApplicationGatewayRequestRoutingRuleArgs(
                name="https", priority=100,
                rule_type=network.ApplicationGatewayRequestRoutingRuleType.BASIC,
                http_listener=part("httpListeners", "https"),
                backend_address_pool=part("backendAddressPools", "backend"),
                backend_http_settings=part("backendHttpSettingsCollection", "https"))],
            # Azure reads the certificate when it creates the gateway: the identity must hold its grant by then.
            tags=self.tags, opts=self.child(depends_on=[reader]))
        send_audit_logs(self, "audit", gateway.id, category_group="allLogs")
        return gateway.id.apply(lambda _: f"https://portal.{ZONE}/"), None
