#!/bin/bash
#
# keypairs-osc DevStack plugin: installs the plugin into the Python
# environment of DevStack's ``openstack`` client, so that ``openstack
# keypair ...`` is the plugin's and the functional tests (``tox -e
# functional`` with OS_CLOUD=devstack) can run against this DevStack.

function install_keypairs_osc {
    # Into DevStack's own environment (its global venv where it has one),
    # beside python-openstackclient; from the checkout, as DevStack
    # installs every project it tests.
    setup_develop "$KEYPAIRS_OSC_DIR"
}

function check_keypairs_osc {
    # The plugin's commands replace the core keypair commands.
    local owner
    owner=$(openstack --os-cloud devstack help keypair create 2>/dev/null \
        | head -n 1 || true)
    echo "keypair create: ${owner:-not found}"
}

if is_service_enabled keypairs-osc; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing keypairs-osc"
        install_keypairs_osc
    elif [[ "$1" == "stack" && "$2" == "test-config" ]]; then
        check_keypairs_osc
    fi
fi
