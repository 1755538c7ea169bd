"""keypairs-osc: safer ``openstack keypair`` commands.

Nothing is imported here: the plugin module is loaded on every ``openstack``
command and must stay cheap.
"""
