"""After a functional run: the cloud is as the run found it.

Run by ``tests.functional.run`` once the suite has ended and the run has
removed what it made: the snapshot taken before the suite and one taken
now must be the same (the key pairs of every region of the compute
service), and no user or project the tests made may have key pairs left in
any region's Nova (Keystone does not tell Nova when a user goes).
"""

from __future__ import annotations

import os

import yaml

from tests import base
from tests.functional import cloud


class CloudLeftAsFoundTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.target = cloud.Target.load()

    def test_key_pairs_users_projects_and_servers_are_as_found(self):
        before = yaml.safe_load(self.target.snapshot_file.read_text())
        after = cloud.snapshot(
            self.target,
            servers=bool(os.environ.get('KEYPAIRS_FUNCTIONAL_SERVERS')))
        for what in sorted(set(before) | set(after)):
            was = {tuple(item) for item in before.get(what, [])}
            now = {tuple(item) for item in after.get(what, [])}
            self.assertEqual(
                (set(), set()), (now - was, was - now),
                f'{what}: (left behind, gone) by the run')

    def test_users_the_tests_made_left_no_key_pairs(self):
        if cloud.ADMIN not in self.target.roles:
            self.skipTest(self.target.missing[cloud.ADMIN])
        admin = cloud.connect(self.target.clouds_yaml, cloud.ADMIN)
        made = self.target.noted()
        self.assertTrue(made, 'the run made no user: the check proves nothing')
        regions = cloud.every_region(admin)
        for user in made:
            for region, in_region in regions.items():
                self.assertEqual(
                    [], [k.name for k in cloud.user_keypairs(
                        in_region, user['user_id'])],
                    f'key pairs left for user {user["user_id"]} in {region}')
            self.assertIsNone(admin.identity.find_user(user['user_id']))
