"""What the Azure platform stands on before any service: its resource group and the managed identity
that data-bearing services use to reach the customer-managed key."""
from __future__ import annotations

import pulumi
from pulumi_azure_native import managedidentity, resources

from providers.contract import Placement, safe_name, tags_for


class LandingZone(pulumi.ComponentResource):
    """The Azure landing zone of one platform stack: a resource group in the stack's region and one
    user-assigned identity, granted the key by key_management, that storage, disks, registries and
    vaults present to Key Vault (one identity for every CMK-encrypted service, so keys are granted once).

    `provided` holds the Placement fields it fills: `scope` and `identity_id`.
    """

    def __init__(self, name: str, placement: Placement, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("hdh:platform:LandingZone", name, None, opts)
        tags = tags_for("landing_zone", None, data_bearing=False)
        stack = safe_name(pulumi.get_stack(), 60)
        # Deleting the group deletes everything in it, stores included; deleting the identity cuts every
        # store off its key. Both are protected and retained like the data they guard.
        keep = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        group = resources.ResourceGroup(
            f"{name}-rg", resource_group_name=f"rg-hdh-{stack}", location=placement.region, tags=tags, opts=keep)
        identity = managedidentity.UserAssignedIdentity(
            f"{name}-cmk-identity", resource_name_=f"id-hdh-{stack}-cmk", resource_group_name=group.name,
            location=placement.region, tags=tags, opts=keep)
        self.provided: dict[str, pulumi.Input[str]] = {"scope": group.name, "identity_id": identity.id}
        self.register_outputs({"scope": group.name, "identity_id": identity.id})
