"""What every unit test stands on: osc-lib's command test case, one spec'd
compute proxy, and the compute API versions it offers; the key tests' and
file tests' own test cases.

Shaped as python-openstackclient's unit tests are: a command runs against
osc-lib's fake app, whose compute proxy is a mock with the spec of the SDK's,
and the microversions the cloud offers come in keystoneauth's own
``EndpointData``, as ``get_endpoint_data()`` returns them.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
from collections.abc import Iterator
from unittest import mock

import fixtures
from keystoneauth1 import discover
from openstack.compute.v2 import _proxy as compute_v2
from openstack.identity.v3 import _proxy as identity_v3
from osc_lib.test import base as osc_base

from keypairs_osc import api
from keypairs_osc import keys
from keypairs_osc import securefile
from keypairs_osc.v1 import create
from tests import base
from tests.unit import fakes
from tests.unit.keymaker import blob_of, openssh

#: The project's test case (with the run's time limit), for tests of no
#: command.
TestCase = base.TestCase

USER_ID = 'me-id'
#: The fields core's ``keypair create`` shows.
CORE_CREATE_FIELDS = ('created_at', 'fingerprint', 'id', 'is_deleted',
                      'name', 'type', 'user_id')
#: What a private key file held before a test replaces it.
OLD = b'the old private key\n'
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
        # osc-lib 4.6.0 (our floor) leaves auth_ref None: give it a user.
        manager.auth_ref = mock.Mock(user_id=USER_ID)
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


class KeyTestCase(TestCase):
    """Assertions the key tests share: refusals are one line."""


    def assertRefused(self, data, exc_type=keys.InvalidKey, contains=(),
                      key_type='ssh'):
        """Parsing ``data`` raises ``exc_type`` with a one-line message."""
        error = self.assertRaises(exc_type, keys.parse_public_key, data,
                                  key_type)
        self.assertOneLine(error)
        message = str(error)
        for part in ([contains] if isinstance(contains, str) else contains):
            self.assertIn(part, message)
        return message

    def assertOneLine(self, error):
        message = str(error)
        self.assertTrue(message.strip(), 'empty message')
        self.assertNotIn('\n', message)
        self.assertNotIn('\r', message)
        self.assertLess(len(message), 500, message)

    def assertSamePublicKey(self, private_key, info: keys.PublicKeyInfo):
        self.assertEqual(blob_of(openssh(private_key)), info.blob)


#: The user ID of nobody, as whom root tries what only root may do.
NOBODY = 65534


@contextlib.contextmanager
def as_nobody() -> Iterator[None]:
    """Run the block as a user who is not root.

    Root may read and write anything, so a test of what an ordinary user
    meets would pass for the wrong reason (or be skipped) in CI, which runs
    as root. As root the block runs as nobody (:data:`NOBODY`: effective
    user and group IDs, no supplementary groups), switched in this process
    rather than a forked child so that mocks and mutmut's call tracing still
    see it; root's IDs come back after it. As anyone else it runs as is.
    """
    if os.geteuid() != 0:
        yield
        return
    gid, groups = os.getegid(), os.getgroups()
    os.setgroups([])
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(gid)
        os.setgroups(groups)


def mode(path: str) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def content(path: str) -> bytes:
    with open(path, 'rb') as f:
        return f.read()


class FileTestCase(TestCase):
    """A test in its own directory, for the files securefile writes."""


    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(self.dir, 'key')

    def set_umask(self, mask: int) -> None:
        old = os.umask(mask)
        self.addCleanup(os.umask, old)

    def make(self, name: str, data: bytes = OLD, file_mode: int = 0o644):
        path = os.path.join(self.dir, name)
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, file_mode)
        return path

    def listing(self) -> dict[str, tuple]:
        """Every entry of the directory: kind, mode, inode and content."""
        entries = {}
        for name in os.listdir(self.dir):
            info = os.lstat(os.path.join(self.dir, name))
            data = (content(os.path.join(self.dir, name))
                    if stat.S_ISREG(info.st_mode) else None)
            entries[name] = (stat.S_IFMT(info.st_mode),
                             stat.S_IMODE(info.st_mode), info.st_ino, data)
        return entries

    def temporaries(self) -> list[str]:
        return [name for name in os.listdir(self.dir)
                if name.endswith('.tmp')]

    def assertOneLine(self, error):
        self.assertTrue(str(error).strip())
        self.assertNotIn('\n', str(error))

    def assertProblem(self, func, *args, contains=(), **kwargs):
        error = self.assertRaises(securefile.FileProblem, func, *args,
                                  **kwargs)
        self.assertOneLine(error)
        for part in ([contains] if isinstance(contains, str) else contains):
            self.assertIn(part, str(error))
        return error

    def unprivileged(self, func) -> str:
        """What ``func()`` does for a user who is not root, in one line:
        ``'returned <value>'`` or ``'raised <exception type>: <message>'``.

        Root may read and write anything: as root, ``func`` runs as the
        user nobody (:data:`NOBODY`, effective user and group IDs, no
        supplementary groups), which the directory lets pass (``0711``);
        root's IDs are restored after it.
        """
        def outcome() -> str:
            try:
                return f'returned {func()}'
            except Exception as exc:
                return f'raised {type(exc).__name__}: {exc}'

        if os.geteuid() == 0:
            os.chmod(self.dir, 0o711)  # noqa: S103 - nobody passes, no more
        with as_nobody():
            return outcome()

    def open_descriptors(self) -> set[int]:
        """The file descriptors this process has open (not the one that
        listed them)."""
        listed = [int(fd) for fd in os.listdir('/proc/self/fd')]
        still = set()
        for fd in listed:
            try:
                os.fstat(fd)
            except OSError:
                continue  # the listing's own, closed again
            still.add(fd)
        return still

    def no_space(self):
        """Make every write of a key fail as on a full disk."""
        def full(fd, data):
            raise OSError(errno.ENOSPC, 'No space left on device')
        self.useFixture(fixtures.MockPatchObject(securefile, '_write_all',
                                                 side_effect=full))
