"""OpenStackClient plugin module for keypairs-osc.

OpenStackClient imports this module on *every* command, keypair or not, so
it imports nothing: the SDK, cryptography and the command modules load only
when a ``keypair`` command runs (cliff imports command classes lazily from
their entry points in the ``openstack.keypairs.v1`` group).
"""

#: Never a core name: OSC drops plugins that reuse one, and the attribute
#: would shadow ``client_manager.compute``.
API_NAME = 'keypairs'
#: Without a default the group would be ``openstack.keypairs.vNone`` and
#: every command would silently fall back to core.
DEFAULT_API_VERSION = '1'
API_VERSION_OPTION = 'os_keypairs_api_version'
API_VERSIONS = ('1',)


def make_client(instance):
    """The openstacksdk compute proxy, the same object core commands use."""
    return instance.sdk_connection.compute


def build_option_parser(parser):
    """No global options: the compute options of core apply as they are.

    ``--os-compute-api-version`` pins the microversion for our requests too.
    """
    return parser
