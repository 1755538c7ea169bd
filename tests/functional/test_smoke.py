"""The commands end to end, once each: what ``tox -e py3-min`` proves.

Also part of the full functional suite; at the declared floors of every
requirement it shows that the oldest libraries we accept do the job.
"""

from __future__ import annotations

from tests.functional import base


class SmokeTest(base.FunctionalTestCase):

    def test_create_list_show_verify_delete(self):
        name = self.unique_name('smoke')
        key = self.path('id')
        self.openstack('keypair', 'create', name, '--private-key', key)
        self.assertPrivateFile(key)
        rows = self.openstack('keypair', 'list', '--long', '-f',
                              'json').json()
        row = next(r for r in rows if r['Name'] == name)
        fingerprint = self.ssh_keygen('-l', '-f', key + '.pub').split()[1]
        self.assertEqual(fingerprint, row['Fingerprint (SHA256)'])
        shown = self.openstack('keypair', 'show', name, '-f', 'json').json()
        self.assertEqual(fingerprint, shown['fingerprint_sha256'])
        self.openstack('keypair', 'verify', name, '--private-key', key)
        self.openstack('keypair', 'delete', name)
        self.assertIsNone(self.nova_keypair(name))

    def test_passphrases_on_create_and_on_import(self):
        secret = self.secret('pass', 'smoke-passphrase')
        created = self.unique_name('smoke')
        key = self.path('made')
        self.openstack('keypair', 'create', created, '--private-key', key,
                       '--passphrase-file', secret)
        self.ssh_keygen('-y', '-f', key, passphrase='smoke-passphrase')
        # An encrypted OpenSSH key made by ssh-keygen: the passphrase is
        # asked for, not the key called damaged.
        theirs = self.path('theirs')
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', 'their-passphrase',
                        '-f', theirs)
        self.secrets.append('their-passphrase')
        imported = self.unique_name('smoke')
        self.openstack('keypair', 'import', imported, '--private-key',
                       theirs, '--passphrase-file', '-',
                       stdin='their-passphrase\n')
        with open(theirs + '.pub') as f:
            self.assertEqual(f.read().split()[1],
                             self.nova_keypair(imported).public_key.split()[1])
        self.openstack('keypair', 'verify', imported, '--private-key',
                       theirs, '--passphrase-file', '-',
                       stdin='their-passphrase\n')
