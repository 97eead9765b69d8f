"""Virtual desktop on Azure: Azure Virtual Desktop with a pooled host pool whose RDP properties keep data
inside (no drive, clipboard, printer or device redirection), reached only through private endpoints,
and Entra ID-joined Windows session hosts encrypted with the customer key.

An enclave instance is a research project's own desktop: its own host pool, application group,
workspace and session hosts in the enclave's subnet, so no project shares a session host with another.
"""
from __future__ import annotations

import datetime
import hashlib

import pulumi
from pulumi_azure_native import compute, desktopvirtualization, network

from providers.clock import today
from providers.azure.log_analytics import collect_machine_logs
from providers.azure.private_link import private_link
from providers.base import ServiceComponent
from providers.passwords import drawn_password

SESSION_HOSTS = 2
MAX_SESSIONS_PER_HOST = 8
ADMIN_USER = "hdhadmin"
#: Windows 11 Enterprise multi-session, the image built for pooled Azure Virtual Desktop hosts.
IMAGE = compute.ImageReferenceArgs(publisher="MicrosoftWindowsDesktop", offer="windows-11",
                                   sku="win11-24h2-avd", version="latest")
#: The AVD agent and boot loader installer Microsoft publishes for the DSC extension (AddSessionHost).
AGENT_ARTIFACT = "https://wvdportalstorageblob.blob.core.windows.net/galleryartifacts/Configuration_1.0.02797.442.zip"
#: Health data must not leave the session: no drive, clipboard, printer, port, USB, camera, microphone or
#: location redirection. Only WebAuthn passes, so users can sign in with their security keys inside.
#: enablerdsaadauth / targetisaadjoined: Entra ID single sign-on to Entra-joined hosts (MFA by
#: Conditional Access).
RDP_PROPERTIES = ";".join((
    "drivestoredirect:s:", "redirectclipboard:i:0", "redirectprinters:i:0", "redirectcomports:i:0",
    "redirectsmartcards:i:0", "usbdevicestoredirect:s:", "devicestoredirect:s:", "camerastoredirect:s:",
    "audiocapturemode:i:0", "redirectlocation:i:0", "redirectwebauthn:i:1",
    "enablerdsaadauth:i:1", "targetisaadjoined:i:1", "autoreconnection enabled:i:1",
))
#: Azure Virtual Desktop keeps its metadata (names, user principal names; never session data) in a few
#: regions of each geography; France Central is not one of them, so the control-plane objects live in
#: West Europe (the EU geography) while the session hosts stay in the platform's region.
METADATA_LOCATIONS = frozenset({"northeurope", "westeurope"})
METADATA_FALLBACK = "westeurope"
#: A registration token lives at most 30 days; hosts added later need the operators to renew it.
TOKEN_LIFETIME = datetime.timedelta(days=14)


class VirtualDesktop(ServiceComponent):
    """virtual_desktop with Azure Virtual Desktop: a pooled host pool (breadth-first, start VM on connect,
    RDP properties that forbid every redirection, public network access disabled), a desktop application
    group, a workspace reached only through private endpoints, and Windows 11 multi-session hosts
    (Trusted Launch, encryption at host, OS disk with the customer key through the disk encryption set,
    no public IP, no inbound port: AVD connects in reverse) joined to Entra ID, registered with the AVD
    agent, and sending their event logs to the platform workspace through the Azure Monitor Agent.

    Two steps stay with the operators, as they need directory objects the program does not know: granting
    "Desktop Virtualization User" on the application group to each project's Entra group, and granting
    "Desktop Virtualization Power On Contributor" to the Azure Virtual Desktop service principal for start
    VM on connect. Screen-capture protection and watermarking are Intune/GPO settings of the hosts.
    """

    def build(self) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
        p = self.placement
        metadata = p.region if p.region in METADATA_LOCATIONS else METADATA_FALLBACK
        expiry = datetime.datetime.combine(today() + TOKEN_LIFETIME, datetime.time(), datetime.timezone.utc)
        host_pool = desktopvirtualization.HostPool(
            self.role("hostpool"), host_pool_name=self.name, resource_group_name=p.scope, location=metadata,
            friendly_name=f"HDH {self.enclave or 'platform'}",
            description="hdhport: sealed desktops of the health data platform",
            host_pool_type=desktopvirtualization.HostPoolType.POOLED,
            load_balancer_type=desktopvirtualization.LoadBalancerType.BREADTH_FIRST,
            preferred_app_group_type=desktopvirtualization.PreferredAppGroupType.DESKTOP,
            max_session_limit=MAX_SESSIONS_PER_HOST, start_vm_on_connect=True, validation_environment=False,
            custom_rdp_property=RDP_PROPERTIES,
            public_network_access=desktopvirtualization.HostpoolPublicNetworkAccess.DISABLED,
            registration_info=desktopvirtualization.RegistrationInfoArgs(
                expiration_time=expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
                registration_token_operation=desktopvirtualization.RegistrationTokenOperation.UPDATE),
            tags=self.tags,
            # The token is made once, at creation; later runs must not rotate it under registered hosts.
            opts=self.child(ignore_changes=["registrationInfo"]))
        desktop = desktopvirtualization.ApplicationGroup(
            self.role("desktop"), application_group_name=f"{self.name}-desktop", resource_group_name=p.scope,
            location=metadata, host_pool_arm_path=host_pool.id,
            application_group_type=desktopvirtualization.ApplicationGroupType.DESKTOP,
            friendly_name="HDH research desktop", description="hdhport: full desktop of the session hosts",
            tags=self.tags, opts=self.child())
        workspace = desktopvirtualization.Workspace(
            self.role("workspace"), workspace_name=self.name, resource_group_name=p.scope, location=metadata,
            friendly_name=f"HDH {self.enclave or 'platform'}", application_group_references=[desktop.id],
            public_network_access=desktopvirtualization.PublicNetworkAccess.DISABLED,
            tags=self.tags, opts=self.child())
        private_link(self, host_pool.id, "avd")
        private_link(self, workspace.id, "avd-feed")
        if self.enclave is None:
            # Feed discovery for every workspace goes through one "global" endpoint per deployment.
            private_link(self, workspace.id, "avd-global")
        token = desktopvirtualization.get_host_pool_registration_token_output(
            host_pool_name=host_pool.name, resource_group_name=p.scope,
            opts=pulumi.InvokeOutputOptions(parent=self)).token
        self._session_hosts(host_pool.name, token)
        return workspace.id, p.key_ref

    def _session_hosts(self, host_pool_name: pulumi.Input[str], token: pulumi.Output[str | None]) -> None:
        p = self.placement
        # Reverse connect: session hosts dial out to AVD, so nothing may come in.
        firewall = network.NetworkSecurityGroup(
            self.role("hosts-nsg"), resource_group_name=p.scope, location=p.region,
            security_rules=[network.SecurityRuleArgs(
                name="deny-all-inbound", priority=4096, direction=network.SecurityRuleDirection.INBOUND,
                access=network.SecurityRuleAccess.DENY, protocol=network.SecurityRuleProtocol.ASTERISK,
                source_address_prefix="*", source_port_range="*", destination_address_prefix="*",
                destination_port_range="*", description="AVD session hosts accept no inbound connection")],
            tags=self.tags, opts=self.child())
        disk_set = compute.DiskEncryptionSetParametersArgs(id=p.disk_encryption_ref)
        registration = token.apply(lambda value: {"properties": {"registrationInfoToken": value or ""}})
        protected: pulumi.Output[dict[str, dict[str, str]]] = pulumi.Output.secret(registration)
        stem = hashlib.sha256(self.name.encode()).hexdigest()[:8]
        for index in range(SESSION_HOSTS):
            host = self.role(f"host-{index}")
            nic = network.NetworkInterface(
                f"{host}-nic", network_interface_name=f"{host}-nic", resource_group_name=p.scope, location=p.region,
                ip_configurations=[network.NetworkInterfaceIPConfigurationArgs(
                    name="private", primary=True, subnet=network.SubnetArgs(id=p.subnet_id),
                    private_ip_allocation_method=network.IPAllocationMethod.DYNAMIC)],
                network_security_group=network.NetworkSecurityGroupArgs(id=firewall.id),
                enable_accelerated_networking=True, tags=self.tags, opts=self.child())
            # The local administrator is a break-glass account nobody signs in with (users come through
            # Entra ID): a random password made here, held only encrypted in the state, never changed by a rerun.
            password = drawn_password()
            vm = compute.VirtualMachine(
                host, vm_name=host, resource_group_name=p.scope, location=p.region,
                hardware_profile=compute.HardwareProfileArgs(vm_size=self.sizing.cpu_flavor),
                license_type="Windows_Client",
                storage_profile=compute.StorageProfileArgs(
                    image_reference=IMAGE,
                    os_disk=compute.OSDiskArgs(
                        create_option=compute.DiskCreateOptionTypes.FROM_IMAGE, caching=compute.CachingTypes.READ_WRITE,
                        # A user's session may leave data on the disk: it outlives the machine.
                        delete_option=compute.DiskDeleteOptionTypes.DETACH,
                        managed_disk=compute.ManagedDiskParametersArgs(
                            storage_account_type=compute.StorageAccountTypes.PREMIUM_LRS,
                            disk_encryption_set=disk_set))),
                os_profile=compute.OSProfileArgs(
                    computer_name=f"avd{stem}{index}", admin_username=ADMIN_USER, admin_password=password,
                    windows_configuration=compute.WindowsConfigurationArgs(
                        provision_vm_agent=True, enable_automatic_updates=True, time_zone="Romance Standard Time",
                        patch_settings=compute.PatchSettingsArgs(
                            patch_mode=compute.WindowsVMGuestPatchMode.AUTOMATIC_BY_OS,
                            assessment_mode=compute.WindowsPatchAssessmentMode.AUTOMATIC_BY_PLATFORM))),
                network_profile=compute.NetworkProfileArgs(network_interfaces=[
                    compute.NetworkInterfaceReferenceArgs(id=nic.id, primary=True,
                                                          delete_option=compute.DeleteOptions.DETACH)]),
                security_profile=compute.SecurityProfileArgs(
                    security_type=compute.SecurityTypes.TRUSTED_LAUNCH, encryption_at_host=True,
                    uefi_settings=compute.UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True)),
                # The system identity is what the Entra ID join registers as the device.
                identity=compute.VirtualMachineIdentityArgs(type=compute.ResourceIdentityType.SYSTEM_ASSIGNED),
                diagnostics_profile=compute.DiagnosticsProfileArgs(
                    boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)),
                tags=self.tags,
                opts=self.keep(ignore_changes=["osProfile.adminPassword"]))
            # Event logs (sign-ins, privilege use, errors) to the platform workspace; the agent signs in with
            # the system identity, the host's only one.
            collect_machine_logs(self, host, vm, p, self.tags, "windows")
            entra = compute.VirtualMachineExtension(
                f"{host}-entra", vm_extension_name="AADLoginForWindows", vm_name=vm.name,
                resource_group_name=p.scope, location=p.region, publisher="Microsoft.Azure.ActiveDirectory",
                type="AADLoginForWindows", type_handler_version="2.0", auto_upgrade_minor_version=True,
                tags=self.tags, opts=self.child())
            compute.VirtualMachineExtension(
                f"{host}-avd-agent", vm_extension_name="Microsoft.PowerShell.DSC", vm_name=vm.name,
                resource_group_name=p.scope, location=p.region, publisher="Microsoft.Powershell", type="DSC",
                type_handler_version="2.73", auto_upgrade_minor_version=True,
                settings={"modulesUrl": AGENT_ARTIFACT, "configurationFunction": "Configuration.ps1\\AddSessionHost",
                          "properties": {"hostPoolName": host_pool_name, "aadJoin": True}},
                protected_settings=protected,
                tags=self.tags,
                # Registered once; a renewed token must not re-run the agent's setup on a live host.
                opts=self.child(depends_on=[entra], ignore_changes=["protectedSettings"]))
