"""Older Novas: the commands on clouds whose highest microversion is lower.

The proxy in front of the real Nova presents a cloud that tops out at
2.1, 2.10, 2.34, 2.60 or 2.82: its version documents say so and it answers
406 to any request above, as Nova does. The plugin asks for what a request
needs without discovery, so on each age every command either works, with
at most one round trip more (the 406, then the version document), or fails
in one line naming the feature and the microversion it needs, leaving
nothing behind.
"""

from __future__ import annotations

from tests.functional import base

#: Features beyond some ages: (what the error names, microversion).
PAGING = ('--limit', '2.35')
OTHER_USER = ('--user', '2.10')
WIDE_NAMES = ('name', '2.92')


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split('.')
    return int(major), int(minor)


class CloudAgeTestCase(base.FunctionalTestCase):
    """Run against a Nova whose highest microversion is ``cap``."""

    cap = '2.1'

    def setUp(self):
        super().setUp()
        self.nova_proxy.max_microversion = _version(self.cap)

    def run_on_age(self, *args: str, cloud: str | None = None,
                   expect: int | None = 0) -> base.Result:
        """One command; it may cost one 406 and one version document."""
        self.nova_proxy.exchanges.clear()
        result = self.openstack(*args, cloud=cloud, expect=expect)
        refused = [ex for ex in self.nova_proxy.exchanges
                   if ex.status == 406]
        self.assertLessEqual(len(refused), 1,
                             f'{" ".join(args)}: more than one 406 on a '
                             f'{self.cap} cloud')
        return result

    def offers(self, version: str) -> bool:
        return _version(self.cap) >= _version(version)

    def assertRefusedFor(self, result: base.Result,
                         feature: tuple[str, str]) -> None:
        self.assertCleanFailure(result, feature[0], feature[1])

    def test_create_list_show_delete(self):
        name = self.unique_name('age')
        key = self.path('id')
        self.run_on_age('keypair', 'create', name, '--private-key', key)
        self.assertPrivateFile(key)
        stored = self.nova_keypair(name)
        self.assertIsNotNone(stored)
        rows = self.run_on_age('keypair', 'list', '-f', 'json').json()
        row = next(r for r in rows if r['Name'] == name)
        self.assertEqual(stored.fingerprint, row['Fingerprint'])
        self.assertEqual(self.offers('2.2'), 'Type' in row)
        shown = self.run_on_age('keypair', 'show', name, '-f', 'json').json()
        self.assertEqual(stored.fingerprint, shown['fingerprint'])
        # Which servers use it needs the key_name filter of 2.83.
        self.assertIn('unknown', shown['servers'])
        self.assertIn('2.83', shown['servers'])
        self.run_on_age('keypair', 'verify', name, '--private-key', key)
        self.run_on_age('keypair', 'delete', name)
        self.assertIsNone(self.nova_keypair(name))

    def test_paging(self):
        names = sorted(self.unique_name('age') for _ in range(2))
        for name in names:
            self.run_on_age('keypair', 'import', name, '--public-key',
                            self.public_key())
        result = self.run_on_age('keypair', 'list', '--limit', '1',
                                 '--marker', names[0], '-f', 'json',
                                 expect=None)
        if self.offers(PAGING[1]):
            self.assertEqual(0, result.returncode, result.stderr)
            listed = [row['Name'] for row in result.json()]
            self.assertIn(names[1], listed)
            self.assertNotIn(names[0], listed)
            self.assertTrue(all(n > names[0] for n in listed))
        else:
            self.assertRefusedFor(result, PAGING)

    def test_another_users_key_pair(self):
        base.require(self, base.ADMIN, base.ALT)
        name = self.unique_name('age')
        key = self.path('theirs')
        result = self.run_on_age(
            'keypair', 'create', name, '--user', base.target().alt_user_name,
            '--private-key', key, cloud=base.ADMIN, expect=None)
        stored = self.nova_keypair(name, base.ALT)
        if self.offers(OTHER_USER[1]):
            self.assertEqual(0, result.returncode, result.stderr)
            self.assertIsNotNone(stored)
            self.assertPrivateFile(key)
        else:
            self.assertRefusedFor(result, OTHER_USER)
            self.assertIsNone(stored)
            self.assertEqual([], self.listdir())

    def test_a_name_with_at_sign_needs_2_92(self):
        name = self.unique_name('age') + '@host'
        result = self.run_on_age('keypair', 'create', name,
                                 '--private-key', self.path('k'), expect=1)
        self.assertRefusedFor(result, WIDE_NAMES)
        self.assertEqual([], self.listdir())
        self.assertIsNone(self.nova_keypair(name.split('@')[0]))

    def public_key(self) -> str:
        path = self.path('source')
        if not self.listdir():
            self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', path)
        return path + '.pub'


class Nova2_1Test(CloudAgeTestCase):
    cap = '2.1'


class Nova2_10Test(CloudAgeTestCase):
    cap = '2.10'


class Nova2_34Test(CloudAgeTestCase):
    cap = '2.34'


class Nova2_60Test(CloudAgeTestCase):
    cap = '2.60'


class Nova2_82Test(CloudAgeTestCase):
    cap = '2.82'


del CloudAgeTestCase  # only its ages run
