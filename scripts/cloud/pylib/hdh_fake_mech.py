"""Agent-less ML2 mechanism driver for the local fake (no-hypervisor) cloud.

Binds every port that gets a binding:host_id (every port Nova plugs) to its first segment as
vif_type=ovs and marks it ACTIVE, so Nova's fake virt driver boots servers without any Neutron
L2 agent. No packet ever flows.
"""
from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api


class HdhFakeMechanismDriver(api.MechanismDriver):
    def initialize(self):
        pass

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS,
                                {portbindings.CAP_PORT_FILTER: True,
                                 portbindings.OVS_HYBRID_PLUG: False},
                                status=constants.PORT_STATUS_ACTIVE)
            return
