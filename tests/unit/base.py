"""What every unit test stands on: osc-lib's command test case, one spec'd
compute proxy, and the compute API versions it offers.

Shaped as python-openstackclient's unit tests are: a command runs against
osc-lib's fake app, whose compute proxy is a mock with the spec of the SDK's,
and the microversions the cloud offers come in keystoneauth's own
``EndpointData``, as ``get_endpoint_data()`` returns them.
"""

from __future__ import annotations

import io
import os
from unittest import mock

import fixtures
from keystoneauth1 import discover
from openstack.compute.v2 import _proxy as compute_v2
from openstack.identity.v3 import _proxy as identity_v3
from osc_lib.test import base as osc_base

from keypairs_osc import api
from keypairs_osc.v1 import create
from tests import base
from tests.unit import fakes

#: The project's test case (with the run's time limit), for tests of no
#: command.
TestCase = base.TestCase

USER_ID = 'me-id'
NOVA_URL = 'http://nova.example/v2.1'
Version = tuple[int, int] | None


def set_compute_api_version(proxy: mock.Mock, low: Version = (2, 1),
                            high: Version = (2, 104),
                            pinned: str | None = None,
                            offered: bool = True) -> None:
    """Make ``proxy``'s cloud offer microversions ``low`` to ``high``.

    ``pinned`` is what ``--os-compute-api-version`` gave; without
    ``offered`` the endpoint has no version document at all.
    """
    proxy.get_endpoint_data.return_value = discover.EndpointData(
        service_url=NOVA_URL, min_microversion=low,
        max_microversion=high) if offered else None
    proxy.default_microversion = pinned


def compute_proxy(**version) -> mock.Mock:
    """The SDK's compute proxy, spec'd; ``version`` as in the setter."""
    proxy = mock.Mock(spec=compute_v2.Proxy)
    set_compute_api_version(proxy, **version)
    proxy.get_endpoint.return_value = NOVA_URL
    # No server was booted with any key pair unless a test says otherwise.
    proxy.get.return_value = fakes.response(200, {'servers': []})
    return proxy


class CommandTestCase(osc_base.TestCommand, TestCase):
    """One keypair command on osc-lib's fake app, with ``api`` mocked."""

    command_class: type = create.CreateKeypair

    def setUp(self):
        super().setUp()
        manager = self.app.client_manager
        manager.compute = compute_proxy()
        manager.sdk_connection.identity = mock.Mock(
            spec=identity_v3.Proxy, api_version='3')
        manager.auth_ref.user_id = USER_ID
        self.app.stdin = io.StringIO()
        self.app.stdout = io.StringIO()
        self.app.stderr = io.StringIO()
        self.app.options = mock.Mock(debug=False)
        # OpenStackClient logs in here; the fake app is logged in already.
        self.app.prepare_to_run_command = mock.Mock()
        self.cmd = self.command_class(self.app, None)
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.record = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                   'keys.json')
        self.useFixture(fixtures.EnvironmentVariable('KEYPAIRS_OSC_RECORD',
                                                     self.record))
        self.api_create = self.patch_api('create')
        self.api_create.side_effect = (
            lambda proxy, name, public_key, key_type=None, user_id=None:
            fakes.keypair(name, public_key, key_type or 'ssh'))
        self.api_get = self.patch_api('get')
        self.api_delete = self.patch_api('delete')

    def patch_api(self, name: str) -> mock.Mock:
        return self.useFixture(fixtures.MockPatchObject(
            api, name, autospec=True)).mock

    def parse(self, *argv: str, **expected):
        """The command's parsed arguments, checked against ``expected``."""
        return self.check_parser(self.cmd, list(argv),
                                 list(expected.items()))

    def sent_public_key(self) -> str:
        return self.api_create.call_args.args[2]

    def run_cmd(self, *argv: str):
        return self.cmd.take_action(self.parse(*argv))

    def path(self, name: str) -> str:
        return os.path.join(self.tmp, name)

    def write(self, name: str, data: str | bytes, mode: int = 0o600) -> str:
        path = self.path(name)
        with open(path, 'wb') as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(path, mode)
        return path
