"""What Nova answers, built the SDK's way: key pairs, responses, errors."""

from __future__ import annotations

import json

import requests
from openstack.compute.v2 import keypair as sdk_keypair
from openstack import exceptions as sdk_exceptions
from openstack.test import fakes as sdk_fakes

from keypairs_osc import keys


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
