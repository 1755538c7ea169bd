"""Failures, one kind a class: one clear line, exit 1, no traceback, and
nothing lost.

Remote failures come from tools/loopback_proxy.py in front of the real
Nova; local ones from the file system and process limits. After each, the
end state must hold: every key pair in Nova has its private key saved where
the user asked, no private key file exists without its key pair, and no file
that existed before was changed.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import stat
import tempfile

from tests.functional import base
from tools import loopback_proxy as proxy

POST = ('POST', '/os-keypairs')


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class FailureTestCase(base.FunctionalTestCase):
    """Injects a failure and checks what Nova and the disk hold after."""

    def assertConsistent(self, name: str, private_key: str | None) -> None:
        """The key pair exists in Nova exactly when its key file does."""
        stored = self.nova_keypair(name)
        saved = private_key is not None and os.path.exists(private_key)
        self.assertEqual(stored is not None, saved,
                         f'in Nova: {stored is not None}, on disk: {saved}')
        if stored is not None and private_key is not None:
            self.assertPrivateFile(private_key)
            derived = self.ssh_keygen('-y', '-f', private_key)
            self.assertEqual(stored.public_key.split()[1], derived.split()[1])

    def snapshot(self) -> dict[str, tuple[bytes, int]]:
        found = {}
        for name in self.listdir():
            path = self.path(name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, 'rb') as f:
                    found[name] = (f.read(), os.stat(path).st_mode)
        return found

    def assertUnchanged(self, before: dict[str, tuple[bytes, int]]) -> None:
        after = self.snapshot()
        for name, state in before.items():
            self.assertEqual(state, after.get(name), f'{name} changed')

    def create_with_fault(self, fault: str, expect: int, *, to_file=True):
        name = self.unique_name('fault')
        key = self.path('id') if to_file else None
        self.nova_proxy.rule = proxy.once(*POST, fault)
        args = ['--private-key', key] if key else []
        result = self.openstack('keypair', 'create', name, *args,
                                expect=expect)
        self.assertTrue(any(ex.fault == fault
                            for ex in self.nova_proxy.exchanges),
                        'the fault was never injected')
        return name, key, result

    def public_key(self) -> str:
        path = self.path(f'k{len(self.listdir())}')
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', path)
        return path + '.pub'


class UnreachableCloudTest(FailureTestCase):
    """Keystone or Nova does not answer at all: connection refused."""

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

    def test_nova_unreachable(self):
        self.nova_proxy.__exit__(None, None, None)  # connection refused
        name = self.unique_name('fault')
        result = self.openstack('keypair', 'create', name, '--private-key',
                                self.path('id'), expect=1)
        self.assertCleanFailure(result, 'cannot connect to the cloud')
        self.assertEqual([], self.listdir())
        self.assertIsNone(self.nova_keypair(name))


class ErrorAnswerTest(FailureTestCase):
    """Nova answers 4xx or 5xx before it acts: the error, and no file."""

    def test_500_before_nova_acts(self):
        name, key, result = self.create_with_fault('error-500', 1)
        self.assertCleanFailure(result, 'HTTP 500', f"'{name}'")
        self.assertConsistent(name, key)
        self.assertEqual([], self.listdir())

    def test_503_before_nova_acts(self):
        name, key, result = self.create_with_fault('error-503', 1)
        self.assertCleanFailure(result, 'HTTP 503')
        self.assertConsistent(name, key)

    def test_to_stdout_500_prints_nothing(self):
        name, _, result = self.create_with_fault('error-500', 1,
                                                 to_file=False)
        self.assertNotIn('PRIVATE KEY', result.stdout)
        self.assertIsNone(self.nova_keypair(name))

    def test_quota_exceeded_is_clear_and_leaves_no_file(self):
        # A user of a project whose key pair quota is 1: Nova answers 403.
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

    def test_ssh_to_a_missing_server_is_one_line_without_http_noise(self):
        name = self.unique_name('nosuch')
        result = self.openstack('keypair', 'ssh', name, expect=1)
        self.assertCleanFailure(result, f'No Server found for {name}')
        self.assertNotIn('HTTP', result.stderr)
        self.assertEqual(1, len(result.stderr.strip().splitlines()))


class LostAnswerTest(FailureTestCase):
    """The connection or the answer is lost, before or after Nova acted:
    the command finds out which, and keeps or cleans up accordingly.
    """

    def test_dropped_connection_before_nova_acts(self):
        name, key, result = self.create_with_fault('drop', 1)
        self.assertCleanFailure(result, f"key pair '{name}'", 'connect')
        self.assertConsistent(name, key)
        self.assertEqual([], self.listdir())

    def test_500_after_nova_committed_keeps_the_key(self):
        name, key, result = self.create_with_fault('commit-then-500', 0)
        self.assertIn('was created; keeping it', result.stderr)
        self.assertConsistent(name, key)
        self.assertIsNotNone(self.nova_keypair(name))

    def test_dropped_answer_after_nova_committed_keeps_the_key(self):
        name, key, _ = self.create_with_fault('commit-then-drop', 0)
        self.assertConsistent(name, key)
        self.assertIsNotNone(self.nova_keypair(name))

    def test_to_stdout_500_after_commit_still_prints_the_key(self):
        name, _, result = self.create_with_fault('commit-then-500', 0,
                                                 to_file=False)
        key = self.write('from-stdout', result.stdout)
        self.assertConsistent(name, key)

    def test_import_503_then_commit_then_drop(self):
        name = self.unique_name('fault')
        pub = self.public_key()
        self.nova_proxy.rule = proxy.once(*POST, 'error-503')
        result = self.openstack('keypair', 'import', name, '--public-key',
                                pub, expect=1)
        self.assertCleanFailure(result, 'HTTP 503')
        self.assertIsNone(self.nova_keypair(name))
        self.nova_proxy.rule = proxy.once(*POST, 'commit-then-drop')
        self.openstack('keypair', 'import', name, '--public-key', pub)
        self.assertIsNotNone(self.nova_keypair(name))

    def test_delete_of_many_with_failures(self):
        names = []
        for _ in range(4):
            name = self.unique_name('fault')
            base.connection(self.cloud).compute.create_keypair(
                name=name, public_key=open(self.public_key()).read())
            names.append(name)
        refused, lost_answer = names[1], names[2]
        rules = [proxy.every('DELETE', f'/os-keypairs/{refused}',
                             'error-500'),
                 proxy.once('DELETE', f'/os-keypairs/{lost_answer}',
                            'commit-then-500')]
        self.nova_proxy.rule = lambda m, p: next(
            (f for f in (r(m, p) for r in rules) if f), None)
        result = self.openstack('keypair', 'delete', *names, expect=1)
        self.assertCleanFailure(result, '1 of 4 keys failed to delete.',
                                f"'{refused}'")
        self.assertIsNotNone(self.nova_keypair(refused))
        for name in set(names) - {refused}:
            self.assertIsNone(self.nova_keypair(name), name)


class SlowAnswerTest(FailureTestCase):
    """Nova answers after the client has given up waiting."""

    def test_answer_slower_than_the_client_timeout(self):
        self.set_api_timeout(4)
        self.nova_proxy.slow_seconds = 8
        name, key, result = self.create_with_fault('slow', 1)
        self.assertCleanFailure(result, 'time')
        self.assertConsistent(name, key)


class LocalFaultTest(FailureTestCase):
    """The local machine fails: a full disk, a read-only directory, odd
    targets, umasks."""

    def test_full_disk_after_create_rolls_back(self):
        name = self.unique_name('fault')
        key = self.path('id')

        def tiny_files():
            # Python ignores SIGXFSZ: writes past the limit fail with EFBIG.
            resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

        result = self.openstack('keypair', 'create', name, '--private-key',
                                key, expect=1, preexec=tiny_files)
        self.assertCleanFailure(result, 'deleted from the cloud again')
        self.assertConsistent(name, key)
        self.assertEqual([], self.listdir())

    def test_directory_not_writable(self):
        if os.geteuid() == 0:
            # Root writes through any mode bits; the one directory it cannot
            # write to here, sysfs, is refused before being tried (CI runs
            # this test as an ordinary user too, for the mode bits).
            target_dir, reason = '/sys/kernel', "kernel's interfaces"
        else:
            target_dir = tempfile.mkdtemp(prefix='kp-ro-')
            self.addCleanup(shutil.rmtree, target_dir, True)
            os.chmod(target_dir, 0o555)  # noqa: S103 - read-only on purpose
            reason = 'permission denied'
        before = sorted(os.listdir(target_dir))
        name = self.unique_name('fault')
        result = self.openstack('keypair', 'create', name, '--private-key',
                                os.path.join(target_dir, 'kp-id'), expect=1)
        self.assertCleanFailure(result, reason)
        self.assertEqual(before, sorted(os.listdir(target_dir)))
        self.assertIsNone(self.nova_keypair(name))

    def test_directory_and_fifo_targets_are_refused(self):
        os.mkdir(self.path('a-dir'))
        os.mkfifo(self.path('a-fifo'))
        for target, fragment in (('a-dir', 'directory'),
                                 ('a-fifo', 'not a regular file')):
            name = self.unique_name('fault')
            result = self.openstack('keypair', 'create', name,
                                    '--private-key', self.path(target),
                                    expect=1)
            self.assertCleanFailure(result, fragment)
            self.assertIsNone(self.nova_keypair(name))
        self.assertEqual(['a-dir', 'a-fifo'], self.listdir())

    def test_umask_000_and_077(self):
        for mask, pub_mode in ((0o000, 0o644), (0o077, 0o600)):
            name = self.unique_name('fault')
            key = self.path(f'id-{mask:o}')
            self.openstack('keypair', 'create', name, '--private-key', key,
                           preexec=lambda mask=mask: os.umask(mask))
            self.assertConsistent(name, key)
            self.assertEqual(pub_mode,
                             stat.S_IMODE(os.stat(key + '.pub').st_mode))

    def test_existing_files_survive_every_refusal(self):
        key = self.write('id', 'OLD KEY\n', mode=0o640)
        self.write('id.pub', 'ssh-ed25519 OLD\n', mode=0o644)
        before = self.snapshot()
        name = self.unique_name('fault')
        self.openstack('keypair', 'create', name, '--private-key', key,
                       expect=1)
        self.nova_proxy.rule = proxy.once(*POST, 'error-500')
        self.openstack('keypair', 'create', name, '--private-key', key,
                       '--force', expect=1)
        self.assertUnchanged(before)
        self.assertIsNone(self.nova_keypair(name))
