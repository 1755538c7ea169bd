"""Functional tests: the real ``openstack`` binary against a real cloud.

The cloud is the devcloud (tools/devcloud.py: a real Keystone and a real
Nova API on 127.0.0.1) or any cloud named by ``OS_CLOUD``, such as DevStack;
``tests.functional.run``, which ``tox -e functional`` calls, says which and
makes the run's second user (see :mod:`tests.functional.cloud`). Nothing
here is faked. The SDK is used directly only to arrange and inspect state
quickly; every behaviour under test goes through the ``openstack`` command
as a user would.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid

import openstack
import openstack.identity.v3.project
import openstack.identity.v3.user
import testtools
import yaml

from keypairs_osc import keys
from tests import base as test_base
from tests.functional import cloud as run_cloud
from tools import loopback_proxy as proxy

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')
#: The clouds of the run's clouds.yaml, named by role.
USER, ALT, ADMIN = run_cloud.USER, run_cloud.ALT, run_cloud.ADMIN
_connections: dict[str, openstack.connection.Connection] = {}
_target: list[run_cloud.Target] = []


def target() -> run_cloud.Target:
    """The cloud this run targets (read once per test process)."""
    if not _target:
        _target.append(run_cloud.Target.load())
    return _target[0]


def connection(cloud: str) -> openstack.connection.Connection:
    """A cached SDK connection, for arranging and checking state."""
    if cloud not in _connections:
        _connections[cloud] = run_cloud.connect(target().clouds_yaml, cloud)
    return _connections[cloud]


def connection_in(cloud: str, region: str
                  ) -> openstack.connection.Connection:
    """``connection(cloud)`` in another region of the compute service."""
    key = f'{cloud} in {region}'
    if key not in _connections:
        _connections[key] = run_cloud.in_region(connection(cloud), region)
    return _connections[key]


def two_regions(test: testtools.TestCase) -> tuple[str, str]:
    """The user's region and another; skip ``test`` on a one-region cloud.
    """
    found = run_cloud.compute_regions(connection(USER))
    if len(found) < 2:
        test.skipTest(f'the cloud has one compute region ({", ".join(found)})'
                      ': the tests of several regions need two (the '
                      'devcloud serves two: tools/devcloud.py up --regions 2)')
    return found[0], found[1]


def require(test: testtools.TestCase, *roles: str) -> None:
    """Skip ``test``, saying why, when the cloud lacks one of ``roles``."""
    for role in roles:
        if role not in target().roles:
            test.skipTest(target().missing.get(role, f'no {role} cloud'))


@dataclasses.dataclass
class LimitedUser:
    """A member of a project of its own whose key pair quota is limited."""

    project: openstack.identity.v3.project.Project
    user: openstack.identity.v3.user.User
    password: str

    @classmethod
    def create(cls, test: testtools.TestCase, what: str,
               key_pairs: int) -> LimitedUser:
        """Made for ``test`` (skipped without an admin), removed after it."""
        require(test, ADMIN)
        admin = connection(ADMIN)
        name = f'{target().prefix}-{what}-{uuid.uuid4().hex[:8]}'
        password = uuid.uuid4().hex
        domain_id = admin.identity.get_user(target().user_id).domain_id
        project = admin.identity.create_project(name=name,
                                                domain_id=domain_id)
        user = admin.identity.create_user(
            name=name, password=password, domain_id=domain_id,
            default_project_id=project.id)
        target().note(user.id, project.id)
        limited = cls(project, user, password)
        test.addCleanup(run_cloud.remove_user, admin, user.id, project.id)
        admin.identity.assign_project_role_to_user(
            project, user, admin.identity.find_role('member'))
        admin.set_compute_quotas(project.id, key_pairs=key_pairs)
        return limited

    def cloud(self, base_cloud: dict) -> dict:
        """A clouds.yaml entry for this user, from another user's."""
        cloud = copy.deepcopy(base_cloud)
        cloud['auth'].update(username=self.user.name,
                             password=self.password,
                             project_name=self.project.name)
        return cloud


@dataclasses.dataclass
class Result:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


class FunctionalTestCase(test_base.TestCase):
    """Runs ``openstack`` as a subprocess and cleans up what it made."""

    cloud = USER

    def setUp(self):
        super().setUp()
        require(self, self.cloud)
        self.tmp = tempfile.mkdtemp(prefix='kp-func-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.secrets: list[str] = []
        self.runs: list[Result] = []
        self._route_through_proxies()
        self.addCleanup(self.assertNothingLeaked)

    # -- every request through recording proxies ---------------------------

    def _route_through_proxies(self) -> None:
        """Point the CLI at loopback proxies in front of Keystone and Nova.

        Everything the CLI sends is recorded, so each test ends by proving
        that no private key or passphrase crossed the network; tests of
        faults install rules on ``self.nova_proxy``.
        """
        with open(target().clouds_yaml) as f:
            config = yaml.safe_load(f)
        user = connection(USER)
        compute_url = user.compute.get_endpoint()
        endpoints = [compute_url] + [
            endpoint['url']
            for service in user.config.get_service_catalog().catalog
            for endpoint in service.get('endpoints', [])]
        auth_url = config['clouds'][USER]['auth']['auth_url']
        self.keystone_proxy, self.nova_proxy, proxies = proxy.front_cloud(
            auth_url, endpoints)
        for server in proxies:
            self.addCleanup(server.__exit__, None, None, None)
        self.proxies = proxies
        self.auth_url = proxy.proxied(auth_url, proxies)
        for cloud in config['clouds'].values():
            cloud['auth']['auth_url'] = self.auth_url
        config_dir = tempfile.mkdtemp(prefix='kp-conf-')
        self.addCleanup(shutil.rmtree, config_dir, True)
        self.clouds_yaml = os.path.join(config_dir, 'clouds.yaml')
        # Where the CLI notes which private key belongs to which key pair.
        self.record = os.path.join(config_dir, 'record', 'keys.json')
        fd = os.open(self.clouds_yaml, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, 'w') as f:
            yaml.safe_dump(config, f)

    def region_proxy(self, region: str) -> proxy.Proxy:
        """The recording proxy in front of ``region``'s Nova alone."""
        url = connection_in(USER, region).compute.get_endpoint()
        fronts = [front for front in self.proxies
                  if proxy.origin_of(url) == f'{front.upstream_scheme}://'
                  f'{front.upstream_netloc}']
        others = [connection_in(USER, r).compute.get_endpoint()
                  for r in run_cloud.compute_regions(connection(USER))
                  if r != region]
        if not fronts or any(proxy.origin_of(o) == proxy.origin_of(url)
                             for o in others):
            self.skipTest(f"region {region}'s Nova shares its address with "
                          'another service: a fault there would hit both')
        return fronts[0]

    def add_cloud(self, name: str, limited: LimitedUser) -> None:
        """Add a cloud for ``limited`` to the CLI's clouds.yaml."""
        with open(self.clouds_yaml) as f:
            config = yaml.safe_load(f)
        config['clouds'][name] = limited.cloud(config['clouds'][USER])
        with open(self.clouds_yaml, 'w') as f:
            yaml.safe_dump(config, f)

    def set_api_timeout(self, seconds: float) -> None:
        """Make the CLI give up on an answer after ``seconds``."""
        with open(self.clouds_yaml) as f:
            config = yaml.safe_load(f)
        for cloud in config['clouds'].values():
            cloud['api_timeout'] = seconds
        with open(self.clouds_yaml, 'w') as f:
            yaml.safe_dump(config, f)

    def secret(self, name: str, passphrase: str) -> str:
        """A passphrase file; the passphrase must never leak anywhere."""
        self.secrets.append(passphrase.strip())
        return self.write(name, passphrase)

    def private_key_needles(self) -> list[str]:
        """Lines of every private key file the test made, minus public parts.

        OpenSSH private key files also carry the public key in clear; lines
        that occur in the public key are not secrets and are left out.
        """
        needles = []
        for root, _, files in os.walk(self.tmp):
            for name in files:
                path = os.path.join(root, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                with open(path, 'rb') as f:
                    data = f.read(65536)
                text = data.decode(errors='replace')
                if 'PRIVATE KEY-----' not in text:
                    continue
                public = self._public_text(data)
                needles += [line for line in text.splitlines()
                            if len(line) >= 40 and '-----' not in line
                            and ':' not in line and line not in public]
        return needles

    def _public_text(self, private: bytes) -> str:
        for secret in [None] + [s.encode() for s in self.secrets]:
            try:
                key = keys.load_private_key(private, secret)
            except keys.InvalidKey:
                continue
            return keys.public_key_of(key).openssh
        return ''

    def assertNothingLeaked(self) -> None:
        needles = self.private_key_needles() + self.secrets
        traffic = b''.join(front.traffic() for front in self.proxies)
        for needle in needles:
            self.assertNotIn(needle.encode(), traffic,
                             'private material crossed the network')
            for run in self.runs:
                self.assertNotIn(needle, ' '.join(run.argv))
                self.assertNotIn(needle, run.stderr,
                                 f'private material in the stderr of '
                                 f'{" ".join(run.argv[1:])}')

    # -- names and files ------------------------------------------------------

    def unique_name(self, prefix: str = 'kp') -> str:
        """A key pair name of this run's, forgotten by every user after."""
        name = f'{target().prefix}-{prefix}-{uuid.uuid4().hex[:12]}'
        for cloud in target().roles:
            self.addCleanup(self._forget, cloud, name)
        return name

    @staticmethod
    def _forget(cloud: str, name: str) -> None:
        try:
            for region in run_cloud.compute_regions(connection(cloud)):
                connection_in(cloud, region).compute.delete_keypair(
                    name, ignore_missing=True)
        except Exception:  # noqa: S110 - cleanup must never fail a test
            pass

    def path(self, name: str) -> str:
        return os.path.join(self.tmp, name)

    def write(self, name: str, data: str | bytes, mode: int = 0o600) -> str:
        path = self.path(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, 'wb') as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return path

    def assertPrivateFile(self, path: str) -> None:
        info = os.lstat(path)
        self.assertTrue(stat.S_ISREG(info.st_mode))
        self.assertEqual(0o600, stat.S_IMODE(info.st_mode),
                         f'{path} has mode {oct(info.st_mode)}')

    def listdir(self) -> list[str]:
        return sorted(os.listdir(self.tmp))

    # -- running the CLI ---------------------------------------------------

    def openstack(self, *args: str, cloud: str | None = None,
                  stdin: str | bytes | None = None,
                  env: dict[str, str] | None = None,
                  expect: int | None = 0,
                  preexec=None, pass_fds: tuple[int, ...] = ()) -> Result:
        argv = [OPENSTACK]
        if cloud != '':
            argv += ['--os-cloud', cloud or self.cloud]
        argv += list(args)
        full_env = dict(os.environ)
        if cloud != '':
            full_env['OS_CLIENT_CONFIG_FILE'] = self.clouds_yaml
        full_env['KEYPAIRS_OSC_RECORD'] = self.record
        full_env.update(env or {})
        data = stdin.encode() if isinstance(stdin, str) else stdin
        proc = subprocess.run(argv, input=data, capture_output=True,
                              env=full_env, timeout=120, check=False,
                              preexec_fn=preexec, pass_fds=pass_fds)
        result = Result(argv, proc.returncode,
                        proc.stdout.decode(errors='replace'),
                        proc.stderr.decode(errors='replace'))
        self.runs.append(result)
        if expect is not None and proc.returncode != expect:
            self.fail(f'{" ".join(argv[1:])} exited {proc.returncode}, '
                      f'not {expect}\nstdout: {result.stdout}\n'
                      f'stderr: {result.stderr}')
        return result

    def assertCleanFailure(self, result: Result, *fragments: str) -> None:
        """Exit 1, no traceback, and one line that says why."""
        self.assertEqual(1, result.returncode, result.stderr)
        self.assertNotIn('Traceback', result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertTrue(lines, 'no error message at all')
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)

    # -- cloud state ---------------------------------------------------------

    def nova_keypair(self, name: str, cloud: str | None = None,
                     region: str | None = None):
        """The key pair as Nova (of ``region``, if given) holds it, or None.
        """
        conn = (connection_in(cloud or self.cloud, region) if region
                else connection(cloud or self.cloud))
        return conn.compute.find_keypair(name, ignore_missing=True)

    def ssh_keygen(self, *args: str, passphrase: str | None = None) -> str:
        """Run the real ssh-keygen; a passphrase goes through SSH_ASKPASS."""
        env = dict(os.environ)
        if passphrase is not None:
            secret = self.secret(f'askpass-{uuid.uuid4().hex}', passphrase)
            script = self.write(f'askpass-{uuid.uuid4().hex}.sh',
                                f'#!/bin/sh\ncat {shlex.quote(secret)}\n',
                                mode=0o700)
            env.update(SSH_ASKPASS=script, SSH_ASKPASS_REQUIRE='force',
                       DISPLAY=env.get('DISPLAY', ':0'))
        proc = subprocess.run(['ssh-keygen', *args], capture_output=True,
                              env=env, stdin=subprocess.DEVNULL,
                              timeout=60, check=False)
        if proc.returncode:
            self.fail(f'ssh-keygen {" ".join(args)} failed: '
                      f'{proc.stderr.decode(errors="replace")}')
        return proc.stdout.decode()
