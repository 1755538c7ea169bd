"""The record's file itself: where it lives, what it looks like on disk,
how a damaged one is set aside and how a rewrite that fails leaves it."""

from __future__ import annotations

import errno
import os
from unittest import mock

import fixtures

from keypairs_osc import record
from tests.unit import base

CLOUD = 'http://nova.example/v2.1'


class WhereTest(base.TestCase):
    """Without KEYPAIRS_OSC_RECORD: the XDG configuration directory."""

    def setUp(self):
        super().setUp()
        for name in (record.RECORD_ENV, 'XDG_CONFIG_HOME'):
            self.useFixture(fixtures.EnvironmentVariable(name))
        self.useFixture(fixtures.EnvironmentVariable('HOME', '/home/tester'))

    def test_under_xdg_config_home(self):
        self.useFixture(fixtures.EnvironmentVariable('XDG_CONFIG_HOME',
                                                     '/xdg/config'))
        self.assertEqual('/xdg/config/keypairs-osc/keys.json',
                         record.record_path())

    def test_under_dot_config_in_home_without_xdg_config_home(self):
        self.assertEqual('/home/tester/.config/keypairs-osc/keys.json',
                         record.record_path())

    def test_an_empty_xdg_config_home_counts_as_unset(self):
        self.useFixture(fixtures.EnvironmentVariable('XDG_CONFIG_HOME', ''))
        self.assertEqual('/home/tester/.config/keypairs-osc/keys.json',
                         record.record_path())

    def test_an_empty_override_counts_as_unset(self):
        self.useFixture(fixtures.EnvironmentVariable(record.RECORD_ENV, ''))
        self.assertEqual('/home/tester/.config/keypairs-osc/keys.json',
                         record.record_path())

    def test_the_override_is_the_file(self):
        self.useFixture(fixtures.EnvironmentVariable(record.RECORD_ENV,
                                                     '/elsewhere/r.json'))
        self.assertEqual('/elsewhere/r.json', record.record_path())

    def test_pinned_host_keys_beside_it_one_file_per_server(self):
        self.assertEqual(
            '/home/tester/.config/keypairs-osc/known_hosts/srv-1',
            record.known_hosts_path('srv-1'))
        self.useFixture(fixtures.EnvironmentVariable(record.RECORD_ENV,
                                                     '/elsewhere/r.json'))
        self.assertEqual('/elsewhere/known_hosts/srv-1',
                         record.known_hosts_path('srv-1'))


class OnDiskTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                'sub')
        self.path = os.path.join(self.dir, 'keys.json')
        self.useFixture(fixtures.EnvironmentVariable(record.RECORD_ENV,
                                                     self.path))

    def test_sorted_indented_json_and_no_user_is_a_dash(self):
        record.remember(CLOUD, 'u1', 'b', '/keys/b', 'SHA256:b')
        record.remember(CLOUD, None, 'a', '/keys/a', 'SHA256:a')
        self.assertEqual(
            '{\n'
            ' "http://nova.example/v2.1 - a": {\n'
            '  "fingerprint_sha256": "SHA256:a",\n'
            '  "path": "/keys/a"\n'
            ' },\n'
            ' "http://nova.example/v2.1 u1 b": {\n'
            '  "fingerprint_sha256": "SHA256:b",\n'
            '  "path": "/keys/b"\n'
            ' }\n'
            '}', base.content(self.path).decode())

    def test_an_entry_written_for_no_user_is_found_for_none(self):
        os.makedirs(self.dir)
        with open(self.path, 'w') as f:
            f.write('{"http://nova.example/v2.1 - k": '
                    '{"path": "/keys/k", "fingerprint_sha256": "SHA256:k"}}')
        self.assertEqual(record.Entry('/keys/k', 'SHA256:k'),
                         record.lookup(CLOUD, None, 'k'))

    def test_written_through_a_hidden_temporary_beside_it(self):
        # Beside it: os.replace is atomic only within one file system.
        with mock.patch.object(record.os, 'replace',
                               wraps=os.replace) as replace:
            record.remember(CLOUD, 'u1', 'k', '/keys/k', 'SHA256:k')
        ((temporary, target), _), = replace.call_args_list
        self.assertEqual(self.path, target)
        self.assertEqual(self.dir, os.path.dirname(temporary))
        self.assertRegex(os.path.basename(temporary),
                         r'^\.keys\..+\.tmp$')

    def test_a_failed_rewrite_leaves_the_record_and_no_temporary(self):
        record.remember(CLOUD, 'u1', 'k', '/keys/k', 'SHA256:k')
        before = base.content(self.path)
        with mock.patch.object(record.os, 'replace', side_effect=OSError(
                errno.EIO, 'Input/output error')):
            error = self.assertRaises(OSError, record.remember, CLOUD, 'u1',
                                      'k2', '/keys/k2', 'SHA256:k2')
        self.assertEqual(errno.EIO, error.errno)
        self.assertEqual(before, base.content(self.path))
        self.assertEqual(['keys.json', 'keys.json.lock'],
                         sorted(os.listdir(self.dir)))

    def test_the_failure_stands_when_the_temporary_is_gone_already(self):
        def vanish_and_fail(source, target):
            os.unlink(source)
            raise OSError(errno.EIO, 'Input/output error')

        with mock.patch.object(record.os, 'replace',
                               side_effect=vanish_and_fail):
            error = self.assertRaises(OSError, record.remember, CLOUD, 'u1',
                                      'k', '/keys/k', 'SHA256:k')
        self.assertEqual(errno.EIO, error.errno)


class SetAsideTest(base.TestCase):
    """A damaged record is kept as keys.json.corrupt-<local time>."""

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(self.dir, 'keys.json')
        self.useFixture(fixtures.EnvironmentVariable(record.RECORD_ENV,
                                                     self.path))
        self.useFixture(fixtures.FakeLogger())

    def damage(self, text: str) -> None:
        with open(self.path, 'w') as f:
            f.write(text)
        record.remember(CLOUD, 'u1', 'k', '/keys/k', 'SHA256:k')

    def kept(self) -> list[str]:
        return sorted(n for n in os.listdir(self.dir) if '.corrupt-' in n)

    def test_named_by_the_date_and_time(self):
        self.damage('not json')
        (name,) = self.kept()
        self.assertRegex(name, r'^keys\.json\.corrupt-\d{8}T\d{6}$')

    def test_a_second_in_the_same_second_gets_a_plus_never_overwrites(self):
        with mock.patch.object(record.time, 'strftime',
                               return_value='20260115T120000'):
            for text in ('first', 'second', 'third'):
                self.damage(text)
        self.assertEqual(['keys.json.corrupt-20260115T120000',
                          'keys.json.corrupt-20260115T120000+',
                          'keys.json.corrupt-20260115T120000++'],
                         self.kept())
        self.assertEqual([b'first', b'second', b'third'], [
            base.content(os.path.join(self.dir, n)) for n in self.kept()])
