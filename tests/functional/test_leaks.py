"""No secret leaks: the check that ends every functional test can fail,
and --debug runs still show none.
"""

from __future__ import annotations

from tests.functional import base


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
