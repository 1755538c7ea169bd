"""What the compute suite shares: booting servers and being their guest.

On the devcloud's compute tier the tests play the guest's part (cloud-init,
cloudbase-init) through the real metadata API, signed as its networking
proxy signs; servers boot on its network in 127.0.0.0/8, so a test's sshd
can listen on a server's own address (``guest``), and a test writes what
the server's console shows (``write_console``). On any other cloud servers
boot from what ``KEYPAIRS_FUNCTIONAL_IMAGE``, ``_FLAVOR`` and ``_NETWORK``
name.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import tempfile
import urllib.request
import uuid

from tests.functional import base
from tests.functional import sshd


#: What servers boot from on a cloud other than the devcloud: DevStack's.
BOOT_DEFAULTS = {'image': 'cirros-0.6.3-x86_64-disk', 'flavor': 'm1.tiny',
                 'network': 'private'}


def compute_info() -> dict:
    """What servers boot from, and on the devcloud its metadata API."""
    if not base.target().devcloud:
        return {what: os.environ.get(f'KEYPAIRS_FUNCTIONAL_{what.upper()}',
                                     default)
                for what, default in BOOT_DEFAULTS.items()}
    with open(os.environ['DEVCLOUD_COMPUTE_INFO']) as f:
        # A tier set up before it had a network boots with --nic none.
        return {'network': None, **json.load(f)}


class ComputeTestCase(base.FunctionalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.info = compute_info()
        cls.server_host = sshd.SSHServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.server_host.stop()
        super().tearDownClass()

    def boot(self, key_name: str, cloud: str | None = None,
             network: bool = True):
        """A server with ``key_name``, ACTIVE, deleted at cleanup.

        On the suite's network unless ``network`` is false (``--nic
        none``: no port, no address).
        """
        conn = base.connection(cloud or self.cloud)
        image = conn.image.find_image(self.info['image'],
                                      ignore_missing=False)
        flavor = conn.compute.find_flavor(self.info['flavor'],
                                          ignore_missing=False)
        if network and self.info['network']:
            network = conn.network.find_network(self.info['network'],
                                                ignore_missing=False)
            networks: str | list = [{'uuid': network.id}]
        else:
            networks = 'none'
        server = conn.compute.create_server(
            name=f'{base.target().prefix}-srv-{uuid.uuid4().hex[:8]}',
            image_id=image.id, flavor_id=flavor.id, key_name=key_name,
            networks=networks)
        self.addCleanup(self._delete_server, conn, server)
        return conn.compute.wait_for_server(server, wait=120, interval=1)

    @staticmethod
    def _delete_server(conn, server) -> None:
        try:
            conn.compute.delete_server(server, ignore_missing=True)
        except Exception:  # noqa: S110 - cleanup must not fail a test
            pass

    def metadata(self, server, path: str, post: bytes | None = None) -> str:
        """The metadata API as its networking proxy lets the guest use it.

        A GET by default, as cloud-init reads; with ``post``, a POST of
        those bytes, as cloudbase-init posts the password.
        """
        if 'metadata_secret' not in self.info:
            self.skipTest('using the metadata API as a guest needs the '
                          "devcloud's metadata secret")
        signature = hmac.new(self.info['metadata_secret'].encode(),
                             server.id.encode(), hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            self.info['metadata_url'].rstrip('/') + path, data=post,
            method='POST' if post is not None else 'GET',
            headers={'X-Instance-ID': server.id,
                     'X-Tenant-ID': server.project_id,
                     'X-Instance-ID-Signature': signature})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode()

    def authorized_keys_from_metadata(self, server) -> list[str]:
        """What cloud-init would write into ~/.ssh/authorized_keys."""
        meta = json.loads(self.metadata(server,
                                        '/openstack/latest/meta_data.json'))
        ec2_key = self.metadata(server,
                                '/latest/meta-data/public-keys/0/openssh-key')
        keys = list(meta.get('public_keys', {}).values())
        self.assertEqual([ec2_key.strip()], [k.strip() for k in keys])
        return keys

    def write_console(self, server, text: str) -> None:
        """Make ``text`` the server's console output, as its guest prints it.

        The devcloud's nova-compute serves, as an instance's console
        output, the file named by its ID in the tier's console directory;
        written whole at once (a rename), removed at cleanup.
        """
        console_dir = self.info.get('console_dir')
        if not console_dir:
            self.skipTest("writing a server's console needs the devcloud "
                          "compute tier's console directory")
        fd, tmp = tempfile.mkstemp(dir=console_dir, prefix='.tmp-')
        with os.fdopen(fd, 'wb') as f:
            f.write(text.encode())
        path = os.path.join(console_dir, server.id)
        os.replace(tmp, path)
        self.addCleanup(_remove, path)

    def fixed_address(self, server) -> str:
        """The server's fixed IPv4 address, as Nova reports it now."""
        server = base.connection(self.cloud).compute.get_server(server.id)
        for entries in (server.addresses or {}).values():
            for entry in entries:
                if (entry.get('OS-EXT-IPS:type') == 'fixed'
                        and entry.get('version') == 4):
                    return entry['addr']
        self.fail(f'server {server.id} has no fixed IPv4 address: '
                  f'{server.addresses}')

    def guest(self, server, home: bool = False,
              port: int | None = None) -> sshd.SSHServer:
        """The server's sshd, as its guest would run it: on its own address.

        It listens on the fixed address Nova reports for the server (a
        127.x address on the devcloud's network, local to this machine)
        and nowhere else, on a free high port (the tests may run as an
        ordinary user), and lets in the key the metadata API gives the
        guest. Stopped at cleanup. ``home`` and ``port``: as
        :class:`sshd.SSHServer` takes them.
        """
        if not (base.target().devcloud and self.info['network']):
            self.skipTest("a guest sshd on a server's address needs the "
                          "devcloud compute tier's loopback network")
        guest = sshd.SSHServer(self.fixed_address(server), home=home,
                               port=port).start()
        self.addCleanup(guest.stop)
        guest.authorize(self.authorized_keys_from_metadata(server))
        return guest

    def ssh_to(self, server, guest: sshd.SSHServer, *extra: str,
               expect: int = 0):
        """``keypair ssh`` to the guest's port, the address left to it.

        No ``--address``: the plugin picks the server's address from what
        Nova reports; ``extra`` (``--private``, ``-4``, ...) steers it.
        """
        return self.openstack(
            'keypair', 'ssh', server.id, '--port', str(guest.port),
            '--login', guest.user, *extra,
            '-o', 'StrictHostKeyChecking=no',
            '-o', 'UserKnownHostsFile=/dev/null', '--option', 'BatchMode=yes',
            '--', 'echo', 'ok', expect=expect)

    def ssh_in(self, server, *extra: str, expect: int = 0):
        return self.openstack(
            'keypair', 'ssh', server.id, '--address', '127.0.0.1',
            '--port', str(self.server_host.port),
            '--login', getpass.getuser(), *extra,
            '-o', 'StrictHostKeyChecking=no',
            '-o', 'UserKnownHostsFile=/dev/null', '--option', 'BatchMode=yes',
            '--', 'echo', 'ok', expect=expect)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
