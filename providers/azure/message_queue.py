"""Message queue on Azure: a Service Bus Premium namespace reached over AMQP 1.0 through a private
endpoint, encrypted with the customer-managed key, with the queue and topic of the HDH pipeline."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import servicebus

from providers.azure.arm import global_name, key_name, key_vault_uri, send_audit_logs
from providers.azure.private_link import private_link
from providers.base import ServiceComponent

#: Pipeline stages hand work to each other through this queue; the topic fans events out to subscribers.
QUEUE = "pipeline"
TOPIC = "pipeline-events"
SUBSCRIPTION = "processing"
#: A message that failed this many deliveries is parked in the dead-letter queue for an operator.
MAX_DELIVERIES = 10


class MessageQueue(ServiceComponent):
    """message_queue with Azure Service Bus Premium (the tier that has private endpoints and customer
    keys): public network access disabled, TLS 1.2 minimum, SAS keys disabled (Entra ID only), CMK through
    the platform's user-assigned identity, one queue and one topic with a subscription, dead-lettering,
    and runtime audit logs to Log Analytics. Applications speak AMQP 1.0 to amqps://<namespace>.servicebus.windows.net.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        name = global_name("sb", self.name, 50)
        namespace = servicebus.Namespace(
            self.role("namespace"), namespace_name=name, resource_group_name=p.scope, location=p.region,
            sku=servicebus.SBSkuArgs(name=servicebus.SkuName.PREMIUM, tier=servicebus.SkuTier.PREMIUM, capacity=1),
            premium_messaging_partitions=1, zone_redundant=True,
            public_network_access=servicebus.PublicNetworkAccess.DISABLED,
            minimum_tls_version=servicebus.TlsVersion.TLS_VERSION_1_2,
            # Shared access keys are long-lived secrets; with them off, every client signs in with Entra ID.
            disable_local_auth=True,
            identity=servicebus.IdentityArgs(type=servicebus.ManagedServiceIdentityType.USER_ASSIGNED,
                                             user_assigned_identities=[p.identity_id]),
            encryption=servicebus.EncryptionArgs(
                key_source=servicebus.KeySource.MICROSOFT_KEY_VAULT, require_infrastructure_encryption=True,
                key_vault_properties=[servicebus.KeyVaultPropertiesArgs(
                    key_name=key_name(p.key_ref), key_vault_uri=key_vault_uri(p.key_ref),
                    identity=servicebus.UserAssignedIdentityPropertiesArgs(user_assigned_identity=p.identity_id))]),
            tags=self.tags,
            # Messages waiting in the queues are data: the namespace is kept like a store.
            opts=self.keep())
        servicebus.NamespaceNetworkRuleSet(
            self.role("network"), namespace_name=namespace.name, resource_group_name=p.scope,
            default_action=servicebus.DefaultAction.DENY,
            public_network_access=servicebus.PublicNetworkAccessFlag.DISABLED,
            # Event Grid and Azure Monitor deliver through the trusted-services path, with their identity.
            trusted_service_access_enabled=True, ip_rules=[], virtual_network_rules=[],
            opts=self.child())
        servicebus.Queue(
            self.role("queue"), queue_name=QUEUE, namespace_name=namespace.name, resource_group_name=p.scope,
            lock_duration="PT5M", max_delivery_count=MAX_DELIVERIES, default_message_time_to_live="P14D",
            dead_lettering_on_message_expiration=True, requires_duplicate_detection=True,
            duplicate_detection_history_time_window="PT10M", max_size_in_megabytes=5120,
            opts=self.child())
        topic = servicebus.Topic(
            self.role("topic"), topic_name=TOPIC, namespace_name=namespace.name, resource_group_name=p.scope,
            default_message_time_to_live="P14D", requires_duplicate_detection=True,
            duplicate_detection_history_time_window="PT10M", max_size_in_megabytes=5120, support_ordering=True,
            opts=self.child())
        servicebus.Subscription(
            self.role("subscription"), subscription_name=SUBSCRIPTION, topic_name=topic.name,
            namespace_name=namespace.name, resource_group_name=p.scope, lock_duration="PT5M",
            max_delivery_count=MAX_DELIVERIES, dead_lettering_on_message_expiration=True,
            dead_lettering_on_filter_evaluation_exceptions=True, opts=self.child())
        private_link(self, namespace.id, "servicebus")
        send_audit_logs(self, "audit", namespace.id)
        return f"amqps://{name}.servicebus.windows.net", p.key_ref
