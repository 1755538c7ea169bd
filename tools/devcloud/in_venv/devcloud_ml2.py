"""An ML2 mechanism driver that binds every port: no agent, no dataplane.

The compute tier runs Neutron's API without agents, so no mechanism
driver of Neutron's own can bind a port and a server booted on a network
ends in ERROR (PortBindingFailed). Nova's fake virt driver plugs nothing,
so there is nothing to wire: this driver binds the first segment of every
port, on any host, as an OVS port without a firewall, and marks the port
ACTIVE at once (no agent would ever report it up).

ML2 finds it by its entry point, ``devcloud_bind_all`` in
``neutron.ml2.mechanism_drivers``, declared by
``devcloud_ml2-1.0.dist-info`` beside this file: that directory is on the
Neutron server's ``sys.path`` (gunicorn's ``--pythonpath``), so nothing is
installed into the virtualenv.
"""

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class BindEveryPort(api.MechanismDriver):
    """Binds every port it is asked to, whatever the host or vnic type."""

    def initialize(self):
        pass

    @property
    def connectivity(self):
        # L2: ML2 lets it bind ports without fixed IPs too.
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS,
                                {portbindings.CAP_PORT_FILTER: False},
                                status=constants.PORT_STATUS_ACTIVE)
            return
