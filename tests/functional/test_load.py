"""Load: 16 concurrent openstack processes, up to and past the quota.

Every success must be real (the key pair is in Nova and, for a create, its
private key is saved and matches), every failure a clear one-line message,
and nothing orphaned in Nova or on disk.
"""

from __future__ import annotations

import concurrent.futures
import os
import subprocess

from tests.functional import base
from tests.functional import cloud

PROCESSES = 16
QUOTA = 10


class LoadTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.limited = base.LimitedUser.create(self, 'load', QUOTA)
        self.add_cloud('load', self.limited)
        self.env = dict(os.environ, OS_CLIENT_CONFIG_FILE=self.clouds_yaml,
                        KEYPAIRS_OSC_RECORD=self.record)
        self.conn = cloud.connect(self.clouds_yaml, 'load')

    def run_all(self, commands: list[list[str]]) -> list[base.Result]:
        def one(args: list[str]) -> base.Result:
            argv = [base.OPENSTACK, '--os-cloud', 'load', *args]
            proc = subprocess.run(argv, capture_output=True, text=True,
                                  env=self.env, timeout=300, check=False)
            return base.Result(argv, proc.returncode, proc.stdout,
                               proc.stderr)

        with concurrent.futures.ThreadPoolExecutor(PROCESSES) as pool:
            results = list(pool.map(one, commands))
        self.runs.extend(results)
        return results

    def stored(self) -> dict[str, str]:
        return {k.name: k.public_key for k in self.conn.compute.keypairs()}

    def test_concurrent_creates_imports_and_deletes_past_the_quota(self):
        public = self.path('shared')
        self.ssh_keygen('-q', '-t', 'ed25519', '-N', '', '-f', public)
        commands, files = [], {}
        for i in range(PROCESSES):
            name = f'load-{i:02d}'
            if i % 4 == 3:
                commands.append(['keypair', 'import', name, '--public-key',
                                 public + '.pub'])
            else:
                files[name] = self.path(f'id-{i:02d}')
                commands.append(['keypair', 'create', name, '--key-type',
                                 'ecdsa', '--private-key', files[name]])
        results = self.run_all(commands)

        stored = self.stored()
        succeeded = {cmd[2] for cmd, r in zip(commands, results,
                                              strict=True)
                     if r.returncode == 0}
        self.assertEqual(succeeded, set(stored),
                         'successes and Nova disagree')
        # Nova checks the quota before it creates and does not recheck, so
        # racing creates may overshoot it a little: that is Nova's to keep.
        self.assertGreater(len(stored), 0)
        self.assertLess(len(succeeded), PROCESSES,
                        'the quota was never reached')
        quota_refusals = 0
        for cmd, result in zip(commands, results, strict=True):
            name = cmd[2]
            if result.returncode == 0:
                if name in files:
                    derived = self.ssh_keygen('-y', '-f', files[name])
                    self.assertEqual(stored[name].split()[1],
                                     derived.split()[1])
                    self.assertPrivateFile(files[name])
                continue
            # The key pair's own failure, or the cloud's at the login that
            # comes first (Keystone on SQLite may answer 500 to sixteen at
            # once): one line either way.
            self.assertCleanFailure(result)
            self.assertTrue(f"'{name}'" in result.stderr
                            or 'cannot log in at' in result.stderr,
                            result.stderr)
            quota_refusals += 'Quota exceeded' in result.stderr
            if name in files:
                self.assertFalse(os.path.exists(files[name]),
                                 f'orphan private key for {name}')
        self.assertGreater(quota_refusals, 0)
        leftovers = [f for f in self.listdir() if f.startswith('.')]
        self.assertEqual([], leftovers, 'temporary files left behind')

        names = sorted(f'load-{i:02d}' for i in range(PROCESSES))
        deletes = self.run_all([['keypair', 'delete', name]
                                for name in names])
        for name, result in zip(names, deletes, strict=True):
            if name in stored and 'cannot log in at' in result.stderr:
                # The login failed under load, before any delete: again.
                (result,) = self.run_all([['keypair', 'delete', name]])
            if name in stored:
                self.assertEqual(0, result.returncode, result.stderr)
            else:
                self.assertCleanFailure(result, '1 of 1 keys failed')
        self.assertEqual({}, self.stored())
