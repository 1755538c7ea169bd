"""Failures of the cloud itself: one clear line, exit 1, no traceback."""

from __future__ import annotations

import socket

from tests.functional import base


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class CloudFailureTest(base.FunctionalTestCase):

    def test_connection_refused_is_one_line_and_leaves_no_file(self):
        auth_url = f'http://127.0.0.1:{_closed_port()}/v3'
        env = {
            'OS_AUTH_URL': auth_url,
            'OS_USERNAME': 'demo', 'OS_PASSWORD': 'not-used',
            'OS_PROJECT_NAME': 'demo', 'OS_USER_DOMAIN_NAME': 'Default',
            'OS_PROJECT_DOMAIN_NAME': 'Default',
            'OS_CLIENT_CONFIG_FILE': self.path('none.yaml'),
        }
        key = self.path('k')
        result = self.openstack('keypair', 'create', 'k', '--private-key',
                                key, cloud='', env=env, expect=1)
        self.assertCleanFailure(result, f'cannot log in at {auth_url}',
                                'cannot connect')
        self.assertEqual(1, len(result.stderr.strip().splitlines()),
                         result.stderr)
        self.assertEqual([], self.listdir())


class MissingServerTest(base.FunctionalTestCase):

    def test_ssh_to_a_missing_server_is_one_line_without_http_noise(self):
        name = self.unique_name('nosuch')
        result = self.openstack('keypair', 'ssh', name, expect=1)
        self.assertCleanFailure(result, f'No Server found for {name}')
        self.assertNotIn('HTTP', result.stderr)
        self.assertEqual(1, len(result.stderr.strip().splitlines()))


class QuotaTest(base.FunctionalTestCase):
    """A user of a project whose key pair quota is 1."""

    def test_quota_exceeded_is_clear_and_leaves_no_file(self):
        self.add_cloud('quota', base.LimitedUser.create(self, 'quota', 1))
        first = self.path('first')
        self.openstack('keypair', 'create', 'first', '--private-key', first,
                       cloud='quota')
        second = self.path('second')
        result = self.openstack('keypair', 'create', 'second',
                                '--private-key', second, cloud='quota',
                                expect=1)
        self.assertCleanFailure(result, 'Quota exceeded', "'second'")
        self.assertEqual(['first', 'first.pub'], self.listdir())


class LeakCheckTest(base.FunctionalTestCase):
    """The leak check that ends every functional test can fail."""

    def test_a_private_key_sent_to_nova_is_caught(self):
        import urllib.request

        key = self.path('id')
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', key)
        with open(key, 'rb') as f:
            private = f.read()
        request = urllib.request.Request(
            f'{self.nova_proxy.url}/v2.1/os-keypairs', data=private,
            method='POST')
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except OSError:
            pass  # Nova refuses it; the proxy has seen it all the same
        self.assertRaises(AssertionError, self.assertNothingLeaked)
        self.nova_proxy.exchanges.clear()

    def test_a_passphrase_on_stderr_is_caught(self):
        self.secret('pass', 'hunter2-passphrase')
        self.runs.append(base.Result(['openstack'], 1, '',
                                     'oops: hunter2-passphrase'))
        self.assertRaises(AssertionError, self.assertNothingLeaked)
        self.runs.clear()


class DebugOutputTest(base.FunctionalTestCase):
    """--debug shows every request, and still no secret."""

    def test_debug_runs_show_requests_but_no_private_material(self):
        name = self.unique_name('debug')
        key = self.path('id')
        secret = self.secret('pass', 'debug-run-passphrase')
        created = self.openstack('--debug', 'keypair', 'create', name,
                                 '--key-type', 'rsa', '--key-size', '2048',
                                 '--private-key', key,
                                 '--passphrase-file', secret)
        self.assertIn('REQ: curl', created.stderr)
        imported = self.openstack('--debug', 'keypair', 'import',
                                  self.unique_name('debug'),
                                  '--private-key', key,
                                  '--passphrase-file', secret)
        self.assertIn('POST', imported.stderr)
        self.openstack('--debug', 'keypair', 'verify', name,
                       '--private-key', key, '--passphrase-file', secret)
        self.assertTrue(self.private_key_needles())
        self.assertNothingLeaked()
