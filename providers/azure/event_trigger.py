"""Event trigger on Azure: Event Grid system topics on the platform's key vault and resource group, whose
events land as CloudEvents in a private Event Grid namespace queue that pipeline workers pull from."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import eventgrid

from providers.azure.arm import global_name, grant, resource_group_id
from providers.azure.private_link import private_link
from providers.base import ServiceComponent

ROLE_EVENTGRID_DATA_SENDER = "d5a91429-5739-47e2-a06b-3470a27159e7"
TOPIC = "platform-events"
SUBSCRIPTION = "pipeline"
RECEIVE_API_VERSION = "2024-06-01"


@dataclass(frozen=True)
class Source:
    """A platform resource whose events start processing."""

    role: str
    topic_type: str
    events: tuple[str, ...]


KEY_VAULT = Source("key-vault", "Microsoft.KeyVault.vaults", (
    # Rotation and expiry of the customer keys and secrets: re-encryption and renewal chores start here.
    "Microsoft.KeyVault.KeyNewVersionCreated", "Microsoft.KeyVault.KeyNearExpiry", "Microsoft.KeyVault.KeyExpired",
    "Microsoft.KeyVault.SecretNewVersionCreated", "Microsoft.KeyVault.SecretNearExpiry",
    "Microsoft.KeyVault.SecretExpired", "Microsoft.KeyVault.CertificateNearExpiry",
    "Microsoft.KeyVault.CertificateExpired"))
RESOURCE_GROUP = Source("resource-group", "Microsoft.Resources.ResourceGroups", (
    # A resource of the platform was created, changed or deleted (a job's machine ended, a store appeared).
    "Microsoft.Resources.ResourceWriteSuccess", "Microsoft.Resources.ResourceDeleteSuccess",
    "Microsoft.Resources.ResourceActionSuccess"))


class EventTrigger(ServiceComponent):
    """event_trigger with Azure Event Grid: system topics on the platform key vault and resource group,
    event subscriptions that deliver CloudEvents 1.0 with the topics' managed identities to a namespace
    topic of an Event Grid namespace (public network access disabled, TLS 1.2, private endpoint), and a
    queue subscription that workers pull from over HTTPS: no endpoint is ever pushed to, none is public.

    Placement has no field for the message queue (built after this service), so the events are queued in
    Event Grid's own namespace rather than in Service Bus.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        name = global_name("evg", self.name, 50)
        namespace = eventgrid.Namespace(
            self.role("namespace"), namespace_name=name, resource_group_name=p.scope,
            location=p.region, sku=eventgrid.NamespaceSkuArgs(name=eventgrid.SkuName.STANDARD, capacity=1),
            public_network_access=eventgrid.PublicNetworkAccess.DISABLED,
            minimum_tls_version_allowed=eventgrid.TlsVersion.TLS_VERSION_1_2,
            topics_configuration=eventgrid.TopicsConfigurationArgs(), tags=self.tags, opts=self.child())
        topic = eventgrid.NamespaceTopic(
            self.role("topic"), topic_name=TOPIC, namespace_name=namespace.name, resource_group_name=p.scope,
            input_schema=eventgrid.EventInputSchema.CLOUD_EVENT_SCHEMA_V1_0,
            publisher_type=eventgrid.PublisherType.CUSTOM, event_retention_in_days=7, opts=self.child())
        eventgrid.NamespaceTopicEventSubscription(
            self.role("queue"), event_subscription_name=SUBSCRIPTION, topic_name=topic.name,
            namespace_name=namespace.name, resource_group_name=p.scope,
            event_delivery_schema=eventgrid.DeliverySchema.CLOUD_EVENT_SCHEMA_V1_0,
            delivery_configuration=eventgrid.DeliveryConfigurationArgs(
                delivery_mode=eventgrid.DeliveryMode.QUEUE,
                queue=eventgrid.QueueInfoArgs(receive_lock_duration_in_seconds=300, max_delivery_count=10,
                                              event_time_to_live="P7D")),
            opts=self.child())
        private_link(self, namespace.id, "eventgrid-namespace")

        sources: list[tuple[Source, pulumi.Input[str], str]] = [(RESOURCE_GROUP, resource_group_id(self), "global")]
        if not (isinstance(p.key_vault_id, str) and not p.key_vault_id):
            sources.append((KEY_VAULT, p.key_vault_id, p.region))
        for source, resource_id, location in sources:
            self._route(source, resource_id, location, topic.id)

        # The namespace reports its HTTP host name; before it exists, the documented form stands in.
        fallback = f"{name}.{p.region}-1.eventgrid.azure.net"
        host = namespace.topics_configuration.apply(lambda c: (c.hostname if c else None) or fallback)
        return host.apply(lambda h: f"https://{h}/topics/{TOPIC}/eventsubscriptions/{SUBSCRIPTION}:receive"
                                    f"?api-version={RECEIVE_API_VERSION}"), None

    def _route(self, source: Source, resource_id: pulumi.Input[str], location: str,
               topic_id: pulumi.Input[str]) -> None:
        p = self.placement
        system_topic = eventgrid.SystemTopic(
            self.role(source.role), system_topic_name=f"{self.name}-{source.role}", resource_group_name=p.scope,
            location=location, source=resource_id, topic_type=source.topic_type,
            identity=eventgrid.IdentityInfoArgs(type=eventgrid.IdentityType.SYSTEM_ASSIGNED),
            tags=self.tags, opts=self.child())
        principal = system_topic.identity.apply(lambda i: i.principal_id if i else None)
        sender = grant(self, f"{source.role}-sender", topic_id, ROLE_EVENTGRID_DATA_SENDER,
                       principal.apply(lambda pid: pid or ""),
                       f"hdhport: {source.role} system topic publishes to the platform event queue")
        eventgrid.SystemTopicEventSubscription(
            self.role(f"{source.role}-route"), event_subscription_name=f"{source.role}-to-{SUBSCRIPTION}",
            system_topic_name=system_topic.name, resource_group_name=p.scope,
            event_delivery_schema=eventgrid.EventDeliverySchema.CLOUD_EVENT_SCHEMA_V1_0,
            # Delivered with the topic's own identity (no key, no SAS), to a destination that has no public endpoint.
            delivery_with_resource_identity=eventgrid.DeliveryWithResourceIdentityArgs(
                identity=eventgrid.EventSubscriptionIdentityArgs(
                    type=eventgrid.EventSubscriptionIdentityType.SYSTEM_ASSIGNED),
                destination=eventgrid.NamespaceTopicEventSubscriptionDestinationArgs(
                    endpoint_type="NamespaceTopic", resource_id=topic_id)),
            filter=eventgrid.EventSubscriptionFilterArgs(included_event_types=list(source.events)),
            retry_policy=eventgrid.RetryPolicyArgs(max_delivery_attempts=30, event_time_to_live_in_minutes=1440),
            opts=self.child(depends_on=[sender]))
