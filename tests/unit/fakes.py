"""Spec'd stand-ins for the SDK proxy and the OSC app, for unit tests."""

from __future__ import annotations

import io
import json
from unittest import mock

import requests
from openstack.compute.v2 import _proxy as compute_proxy
from openstack.compute.v2 import keypair as sdk_keypair
from openstack import exceptions as sdk_exceptions
from openstack.identity.v3 import _proxy as identity_proxy
from openstack.test import fakes as sdk_fakes

from keypairs_osc import keys


class EndpointData:
    def __init__(self, low=(2, 1), high=(2, 104)):
        self.min_microversion = low
        self.max_microversion = high


def compute(low=(2, 1), high=(2, 104), pinned=None) -> mock.Mock:
    proxy = mock.Mock(spec=compute_proxy.Proxy)
    proxy.get_endpoint_data.return_value = EndpointData(low, high)
    proxy.default_microversion = pinned
    proxy.get_endpoint.return_value = 'http://nova.example/v2.1'
    # No server was booted with any key pair unless a test says otherwise.
    proxy.get.return_value = response(200, {'servers': []})
    return proxy


class App:
    """The part of the OSC app our commands use."""

    def __init__(self, proxy: mock.Mock | None = None):
        self.client_manager = mock.Mock()
        self.client_manager.compute = proxy or compute()
        identity = mock.Mock(spec=identity_proxy.Proxy)
        identity.api_version = '3'
        self.client_manager.sdk_connection.identity = identity
        self.client_manager.auth_ref.user_id = 'me-id'
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.stdin = io.StringIO()
        self.options = mock.Mock(debug=False)

    def prepare_to_run_command(self, cmd) -> None:
        """OpenStackClient logs in here; the fake is logged in already."""


def keypair(name: str = 'k', public_key: str | None = None,
            key_type: str = 'ssh', user_id: str = 'me-id'):
    if public_key is None:
        public_key = keys.public_key_of(keys.generate('ed25519')).openssh
    info = keys.describe_stored(public_key, key_type)
    return sdk_fakes.generate_fake_resource(
        sdk_keypair.Keypair, name=name, id=name, public_key=public_key,
        type=key_type, user_id=user_id, private_key=None, is_deleted=False,
        fingerprint=info.fingerprint_md5 if info else 'ff',
        created_at='2026-11-28T00:00:00')


def response(status: int, body: dict | None = None,
             url: str = 'http://nova/v2.1/os-keypairs') -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body or {}).encode()
    resp.headers['Content-Type'] = 'application/json'
    resp.url = url
    resp.request = requests.Request('GET', url).prepare()
    return resp


def http_error(status: int, message: str) -> sdk_exceptions.HttpException:
    """The SDK exception for a Nova error answer, built the SDK's way."""
    try:
        sdk_exceptions.raise_from_response(
            response(status, {'error': {'message': message, 'code': status}}))
    except sdk_exceptions.HttpException as exc:
        return exc
    raise AssertionError(f'{status} raised nothing')
