"""The record's rotated servers: which key pair ``keypair rotate`` moved
each server to, per cloud and user, beside the key pair entries."""

from __future__ import annotations

import json
import os

import fixtures

from keypairs_osc import record
from tests.unit import base

CLOUD, OTHER_CLOUD = 'http://nova.example/v2.1', 'http://other/v2.1'


def moved(server_id: str, server_name: str, from_name: str = 'a',
          to_name: str = 'b', user_id: str | None = 'u1',
          path: str = '/keys/b') -> record.Rotation:
    return record.Rotation(server_id, server_name, user_id, from_name,
                           to_name, path, f'SHA256:{to_name}')


class RotationRecordTest(base.TestCase):

    def setUp(self):
        super().setUp()
        directory = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(directory, 'sub', 'keys.json')
        self.useFixture(fixtures.EnvironmentVariable(record.RECORD_ENV,
                                                     self.path))

    def on_disk(self) -> dict:
        with open(self.path) as f:
            return json.load(f)

    def put(self, data: object) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, 'w') as f:
            json.dump(data, f)

    def test_a_remembered_rotation_reads_back_by_cloud_and_server(self):
        record.remember_rotation(CLOUD, moved('s1', 'web'))
        self.assertEqual(moved('s1', 'web'), record.rotation(CLOUD, 's1'))
        self.assertIsNone(record.rotation(CLOUD, 's2'))
        self.assertIsNone(record.rotation(OTHER_CLOUD, 's1'))

    def test_on_disk_one_entry_per_cloud_and_server(self):
        record.remember_rotation(CLOUD, moved('s1', 'web'))
        self.assertEqual({'rotated': {f'{CLOUD} s1': {
            'server_id': 's1', 'server_name': 'web', 'user_id': 'u1',
            'from_name': 'a', 'to_name': 'b', 'path': '/keys/b',
            'fingerprint_sha256': 'SHA256:b'}}}, self.on_disk())

    def test_the_key_path_is_kept_absolute(self):
        self.useFixture(fixtures.EnvironmentVariable('HOME', '/home/tester'))
        record.remember_rotation(CLOUD, moved('s1', 'web',
                                              path='~/.ssh/b'))
        self.assertEqual('/home/tester/.ssh/b',
                         record.rotation(CLOUD, 's1').path)

    def test_rotating_a_server_again_replaces_its_entry(self):
        record.remember_rotation(CLOUD, moved('s1', 'web'))
        record.remember_rotation(CLOUD, moved('s1', 'web', 'b', 'c',
                                              path='/keys/c'))
        self.assertEqual(moved('s1', 'web', 'b', 'c', path='/keys/c'),
                         record.rotation(CLOUD, 's1'))
        self.assertEqual([], record.rotations(CLOUD, 'u1', 'a'))
        self.assertEqual(['s1'], [r.server_id for r in
                                  record.rotations(CLOUD, 'u1', 'c')])

    def test_rotations_from_or_to_a_name_of_one_user_sorted_by_server(self):
        record.remember_rotation(CLOUD, moved('s3', 'web'))
        record.remember_rotation(CLOUD, moved('s1', 'db', 'x', 'a'))
        record.remember_rotation(CLOUD, moved('s0', 'web'))
        record.remember_rotation(CLOUD, moved('s4', 'app', 'x', 'y'))
        record.remember_rotation(CLOUD, moved('s5', 'zz', user_id='u2'))
        record.remember_rotation(OTHER_CLOUD, moved('s6', 'aa'))
        self.assertEqual([('s1', 'db'), ('s0', 'web'), ('s3', 'web')],
                         [(r.server_id, r.server_name)
                          for r in record.rotations(CLOUD, 'u1', 'a')])
        self.assertEqual(['s0', 's3'], [  # same name: by ID
            r.server_id for r in record.rotations(CLOUD, 'u1', 'b')])
        self.assertEqual(['s5'], [r.server_id for r in
                                  record.rotations(CLOUD, 'u2', 'b')])
        self.assertEqual(['s6'], [r.server_id for r in
                                  record.rotations(OTHER_CLOUD, 'u1', 'a')])
        self.assertEqual([], record.rotations(CLOUD, None, 'a'))

    def test_a_server_of_no_known_user(self):
        record.remember_rotation(CLOUD, moved('s1', 'web', user_id=None))
        self.assertEqual([moved('s1', 'web', user_id=None)],
                         record.rotations(CLOUD, None, 'b'))
        self.assertEqual([], record.rotations(CLOUD, 'u1', 'b'))

    def test_no_record_no_rotations(self):
        self.assertIsNone(record.rotation(CLOUD, 's1'))
        self.assertEqual([], record.rotations(CLOUD, 'u1', 'a'))

    def test_damaged_entries_are_left_out(self):
        good = {'server_id': 's1', 'server_name': 'web', 'user_id': 'u1',
                'from_name': 'a', 'to_name': 'b', 'path': '/keys/b',
                'fingerprint_sha256': 'SHA256:b'}
        self.put({'rotated': {
            f'{CLOUD} s1': dict(good, extra='ignored'),
            f'{CLOUD} s2': {k: v for k, v in good.items() if k != 'path'},
            f'{CLOUD} s3': 'not an entry',
            f'{CLOUD} s4': dict(good, server_id='s4', server_name=7),
            f'{CLOUD} s5': dict(good, server_id='s5', path=3),
            f'{CLOUD} s6': dict(good, server_id='s6', user_id=['u1']),
            f'{CLOUD} s7': None}})
        self.assertEqual(moved('s1', 'web'), record.rotation(CLOUD, 's1'))
        for server_id in ('s2', 's3', 's4', 's5', 's6', 's7'):
            self.assertIsNone(record.rotation(CLOUD, server_id), server_id)
        self.assertEqual([moved('s1', 'web')],
                         record.rotations(CLOUD, 'u1', 'a'))

    def test_a_rotated_entry_that_is_no_mapping_is_replaced(self):
        self.put({'rotated': ['junk'], f'{CLOUD} u1 a': {
            'path': '/keys/a', 'fingerprint_sha256': 'SHA256:a'}})
        self.assertIsNone(record.rotation(CLOUD, 's1'))
        self.assertEqual([], record.rotations(CLOUD, 'u1', 'a'))
        record.remember_rotation(CLOUD, moved('s1', 'web'))
        self.assertEqual(moved('s1', 'web'), record.rotation(CLOUD, 's1'))
        self.assertEqual(record.Entry('/keys/a', 'SHA256:a'),
                         record.lookup(CLOUD, 'u1', 'a'))

    def test_key_pair_entries_and_rotations_leave_each_other_alone(self):
        record.remember(CLOUD, 'u1', 'a', '/keys/a', 'SHA256:a')
        record.remember_rotation(CLOUD, moved('s1', 'web'))
        record.remember(CLOUD, 'u1', 'b', '/keys/b', 'SHA256:b')
        self.assertEqual(record.Entry('/keys/a', 'SHA256:a'),
                         record.lookup(CLOUD, 'u1', 'a'))
        self.assertEqual({'a': record.Entry('/keys/a', 'SHA256:a'),
                          'b': record.Entry('/keys/b', 'SHA256:b')},
                         record.all_entries(CLOUD, 'u1'))
        self.assertEqual(moved('s1', 'web'), record.rotation(CLOUD, 's1'))
        self.assertEqual({f'{CLOUD} u1 a', f'{CLOUD} u1 b', 'rotated'},
                         set(self.on_disk()))

    def test_a_damaged_record_is_set_aside_before_a_rotation_is_noted(self):
        os.makedirs(os.path.dirname(self.path))
        with open(self.path, 'w') as f:
            f.write('{"rotated": ')
        self.useFixture(fixtures.FakeLogger())
        record.remember_rotation(CLOUD, moved('s1', 'web'))
        self.assertEqual(moved('s1', 'web'), record.rotation(CLOUD, 's1'))
        (aside,) = [n for n in os.listdir(os.path.dirname(self.path))
                    if n.startswith('keys.json.corrupt-')]
        self.assertEqual('{"rotated": ', base.content(os.path.join(
            os.path.dirname(self.path), aside)).decode())
