"""The ssh-config block: host names, quoting, rendering and splicing.

The values are checked the way ssh reads them: ``ssh -G -F <file> <host>``
prints the configuration ssh would use, without connecting anywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import unittest

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keypairs_osc import sshconfig
from tests.unit import base

LABEL = sshconfig.label('http://nova.example/v2.1', 'me-id')
ID_A = '4f1c2a9b-1111-4000-8000-000000000001'
ID_B = '7d3e0c55-2222-4000-8000-000000000002'


def entry(**changes) -> sshconfig.HostEntry:
    fields = dict(host='web', server_name='web', server_id=ID_A,
                  address='203.0.113.7', login='ubuntu',
                  identity_file='/home/alice/.ssh/mycloud')
    fields.update(changes)
    return sshconfig.HostEntry(**fields)


def block(*entries: sshconfig.HostEntry) -> list[str]:
    return sshconfig.render(LABEL, list(entries) or [entry()])


class HostNamesTest(base.TestCase):

    def test_a_plain_name_stays_as_it_is(self):
        self.assertEqual({ID_A: 'web-1.example'},
                         sshconfig.host_names([(ID_A, 'web-1.example')]))

    def test_pattern_characters_spaces_quotes_and_hash_become_dashes(self):
        for name in ('web *', 'web?', '!web', 'web # 1', 'web "1"',
                     "web's", 'a,b', 'tab\there', 'new\nline', 'w=b'):
            with self.subTest(name=name):
                host = sshconfig.host_names([(ID_A, name)])[ID_A]
                self.assertRegex(host, r'^[a-z0-9_][a-z0-9._-]*$')

    def test_case_is_folded_since_ssh_matches_hosts_without_case(self):
        names = sshconfig.host_names([(ID_A, 'Web'), (ID_B, 'web')])
        self.assertEqual(2, len(set(names.values())))
        self.assertTrue(all(n.startswith('web-') for n in names.values()))

    def test_accents_are_dropped_other_scripts_leave_server(self):
        self.assertEqual('cafe', sshconfig.base_name('Café'))
        self.assertEqual('server', sshconfig.base_name('服务器'))
        self.assertEqual('server', sshconfig.base_name(''))
        self.assertEqual('db', sshconfig.base_name('--db..'))

    def test_a_name_never_starts_with_a_dash_that_ssh_takes_as_option(self):
        self.assertEqual('oproxycommand', sshconfig.base_name(
            '-oProxyCommand'))

    def test_shared_names_get_an_id_suffix_whatever_the_order(self):
        first = sshconfig.host_names([(ID_A, 'web'), (ID_B, 'web')])
        second = sshconfig.host_names([(ID_B, 'web'), (ID_A, 'web')])
        self.assertEqual(first, second)
        self.assertEqual({ID_A: 'web-4f1c2a9b', ID_B: 'web-7d3e0c55'},
                         first)

    def test_ids_that_share_a_prefix_get_longer_suffixes(self):
        a, b = 'abcdefgh-0001', 'abcdefgh-0002'
        names = sshconfig.host_names([(a, 'x'), (b, 'x')])
        self.assertEqual(2, len(set(names.values())))

    def test_ids_equal_but_for_case_still_give_two_names(self):
        names = sshconfig.host_names([('ABCD', 'x'), ('abcd', 'x')])
        self.assertEqual(2, len(set(names.values())))

    def test_a_name_taken_outside_the_block_is_not_reused(self):
        names = sshconfig.host_names([(ID_A, 'web')], taken={'WEB'})
        self.assertEqual('web-4f1c2a9b', names[ID_A])

    def test_a_suffixed_name_can_clash_with_a_plain_one(self):
        names = sshconfig.host_names([(ID_A, 'web'), (ID_B, 'web'),
                                      ('c', 'web-4f1c2a9b')])
        self.assertEqual(3, len(set(names.values())))

    def test_prefix(self):
        self.assertEqual({ID_A: 'prod-web'},
                         sshconfig.host_names([(ID_A, 'web')], 'prod-'))
        self.assertEqual('prod.', sshconfig.check_prefix('PROD.'))

    def test_a_prefix_with_pattern_characters_is_refused(self):
        for prefix in ('a*', '-x', 'a b', 'é', '!'):
            with self.subTest(prefix=prefix):
                error = self.assertRaises(sshconfig.Unwritable,
                                          sshconfig.check_prefix, prefix)
                self.assertIn('--prefix', str(error))

    @given(st.lists(st.tuples(st.uuids().map(str), st.text(max_size=12)),
                    max_size=8, unique_by=lambda pair: pair[0]))
    @settings(deadline=None, max_examples=60)
    def test_names_are_always_unique_and_safe(self, servers):
        names = sshconfig.host_names(servers)
        self.assertEqual(len(servers), len(set(names.values())))
        for name in names.values():
            self.assertRegex(name, r'^[a-z0-9_][a-z0-9._-]*$')


class ValuesTest(base.TestCase):

    def test_paths_are_quoted_and_percent_doubled(self):
        self.assertEqual('"/my keys/50%%"',
                         sshconfig.quoted_path('/my keys/50%', 'f'))

    def test_paths_ssh_cannot_hold_exactly_are_refused(self):
        for path in ('/a"b', '/a\\b', '/a\nb', '/${HOME}/k', 'relative',
                     '/a\rb'):
            with self.subTest(path=path):
                error = self.assertRaises(sshconfig.Unwritable,
                                          sshconfig.quoted_path, path, 'f')
                self.assertNotIn('\n', str(error))
                self.assertNotIn('\r', str(error))

    def test_logins_need_no_quotes_or_are_refused(self):
        self.assertEqual('ec2-user', sshconfig.checked_login('ec2-user'))
        self.assertEqual('a@corp', sshconfig.checked_login('a@corp'))
        for login in ('root\nProxyCommand x', 'a b', '%u', '-l', '"x"',
                      ''):
            with self.subTest(login=login):
                self.assertRaises(sshconfig.Unwritable,
                                  sshconfig.checked_login, login)

    def test_a_server_id_that_cannot_be_an_alias_is_refused(self):
        self.assertEqual(ID_A, sshconfig.checked_alias(ID_A))
        for server_id in ('a b', '', 'x\ny', '%h'):
            with self.subTest(server_id=server_id):
                self.assertRaises(sshconfig.Unwritable,
                                  sshconfig.checked_alias, server_id)

    def test_addresses_must_be_ip_addresses(self):
        self.assertEqual('2001:db8::5',
                         sshconfig.checked_address('2001:db8::5'))
        self.assertEqual('fe80::1%%eth0',
                         sshconfig.checked_address('fe80::1%eth0'))
        for address in ('example.com', '1.2.3.4 ProxyCommand', ''):
            with self.subTest(address=address):
                self.assertRaises(sshconfig.Unwritable,
                                  sshconfig.checked_address, address)

    def test_a_server_name_cannot_break_out_of_its_comment(self):
        lines = sshconfig.host_lines(entry(
            server_name='x\nProxyCommand touch /tmp/pwned\r\u2028'))
        comments = [line for line in lines if 'server' in line]
        self.assertEqual(1, len(comments))
        self.assertTrue(comments[0].lstrip().startswith('#'))
        self.assertIn('\\x0a', comments[0])
        self.assertFalse(any('\n' in line or '\r' in line
                             for line in lines))

    def test_the_label_is_one_printable_line(self):
        label = sshconfig.label('http://n/v2.1 x\n', 'u é', 'p\tq')
        self.assertTrue(label.isprintable() and label.isascii())
        self.assertEqual(
            'http://n/v2.1%20x\\x0a project p\\x09q user u%20\\xe9', label)

    def test_the_label_names_the_project_when_known(self):
        self.assertEqual('http://n user me', sshconfig.label('http://n',
                                                             'me'))
        self.assertEqual('http://n project p1 user me',
                         sshconfig.label('http://n', 'me', 'p1'))


class RenderTest(base.TestCase):

    def test_a_host_without_pinned_keys_leaves_host_keys_to_ssh(self):
        text = '\n'.join(block())
        self.assertIn('  IdentitiesOnly yes', text)
        self.assertNotIn('HostKeyAlias', text)
        self.assertNotIn('StrictHostKeyChecking', text)

    def test_a_pinned_host(self):
        lines = block(entry(known_hosts='/k/known_hosts/' + ID_A))
        self.assertIn(f'  UserKnownHostsFile "/k/known_hosts/{ID_A}"', lines)
        self.assertIn(f'  HostKeyAlias {ID_A}', lines)
        self.assertIn('  StrictHostKeyChecking yes', lines)

    def test_markers_first_and_last_and_match_all_before_the_end(self):
        lines = block()
        self.assertEqual(sshconfig.BEGIN + LABEL, lines[0])
        self.assertEqual(['Match all', sshconfig.END + LABEL], lines[-2:])

    def test_hosts_in_name_order(self):
        lines = block(entry(host='zeta'), entry(host='alpha'))
        hosts = [line for line in lines if line.startswith('Host ')]
        self.assertEqual(['Host alpha', 'Host zeta'], hosts)

    def test_an_empty_block(self):
        lines = sshconfig.render(LABEL, [])
        self.assertEqual([], [line for line in lines
                              if line.startswith('Host')])
        self.assertEqual(sshconfig.END + LABEL, lines[-1])


class SpliceTest(base.TestCase):

    USER_TEXT = ('# my config\n'
                 'Include ~/.ssh/config.d/*\n'
                 '\n'
                 'Host bastion\n'
                 '    HostName 192.0.2.1\n'
                 'Match host *.corp exec "test -f /x"\n'
                 '  User corp\n'
                 'Host *\n'
                 '\tServerAliveInterval 30')  # no line end at the end

    def test_a_new_block_goes_first_and_the_rest_is_unchanged(self):
        text = sshconfig.splice(self.USER_TEXT, block(), LABEL)
        self.assertTrue(text.startswith(sshconfig.BEGIN + LABEL + '\n'))
        self.assertTrue(text.endswith('\n' + self.USER_TEXT))

    def test_remove_gives_back_the_file_byte_for_byte(self):
        text = sshconfig.splice(self.USER_TEXT, block(), LABEL)
        self.assertEqual(self.USER_TEXT,
                         sshconfig.splice(text, None, LABEL))

    def test_a_rerun_replaces_the_block_where_it_is(self):
        moved = self.USER_TEXT.replace(
            'Host bastion\n', '\n'.join(block()) + '\nHost bastion\n')
        again = sshconfig.splice(moved, block(entry(host='db')), LABEL)
        self.assertNotIn('Host web\n', again)
        self.assertIn('Host db\n', again)
        self.assertEqual(self.USER_TEXT,
                         sshconfig.splice(again, None, LABEL))

    def test_a_block_at_the_end_without_a_line_end_keeps_it_so(self):
        text = 'Host a\n' + '\n'.join(block())
        again = sshconfig.splice(text, block(entry(host='db')), LABEL)
        self.assertTrue(again.endswith(sshconfig.END + LABEL))
        self.assertEqual('Host a\n', sshconfig.splice(again, None, LABEL))

    def test_crlf_files_get_crlf_blocks(self):
        user = 'Host a\r\n  User b\r\n'
        text = sshconfig.splice(user, block(), LABEL)
        self.assertNotIn('\n', text.replace('\r\n', ''))
        self.assertEqual(user, sshconfig.splice(text, None, LABEL))

    def test_an_empty_file(self):
        text = sshconfig.splice('', block(), LABEL)
        self.assertEqual('\n'.join(block()) + '\n', text)
        self.assertEqual('', sshconfig.splice(text, None, LABEL))

    def test_removing_what_is_not_there_changes_nothing(self):
        self.assertEqual(self.USER_TEXT,
                         sshconfig.splice(self.USER_TEXT, None, LABEL))

    def test_another_cloud_s_block_is_left_alone(self):
        other = sshconfig.label('http://other/v2.1', 'me-id')
        text = sshconfig.splice('', sshconfig.render(other, [entry()]),
                                other)
        ours = sshconfig.splice(text, block(), LABEL)
        self.assertIn(text, ours)
        self.assertEqual(text, sshconfig.splice(ours, None, LABEL))
        self.assertEqual({'web'}, sshconfig.hosts_outside(ours, LABEL))

    def test_only_lines_ending_in_newline_are_lines(self):
        # A form feed or U+2028 ends a line for str.splitlines, not for
        # ssh.
        user = 'Host a\x0c b\u2028c\n'
        text = sshconfig.splice(user, block(), LABEL)
        self.assertEqual(user, sshconfig.splice(text, None, LABEL))

    def test_hosts_outside_reads_the_user_s_host_lines(self):
        self.assertEqual({'bastion', '*'},
                         sshconfig.hosts_outside(self.USER_TEXT, LABEL))
        self.assertEqual({'a', 'b'},
                         sshconfig.hosts_outside('HOST=a "b"\n', LABEL))

    @given(st.text(alphabet=st.sampled_from('ab #\t\r\n=*"\x0c\u00e9'),
                   max_size=60))
    @settings(deadline=None, max_examples=200)
    def test_add_then_remove_is_the_identity(self, user):
        added = sshconfig.splice(user, block(), LABEL)
        again = sshconfig.splice(added, block(entry(host='other')), LABEL)
        self.assertEqual(user, sshconfig.splice(again, None, LABEL))


class DamagedTest(base.TestCase):

    def assertDamaged(self, text, *contains):
        error = self.assertRaises(sshconfig.Damaged, sshconfig.splice,
                                  text, block(), LABEL)
        self.assertNotIn('\n', str(error))
        for part in contains:
            self.assertIn(part, str(error))

    def test_begin_without_end(self):
        self.assertDamaged('x\n' + sshconfig.BEGIN + LABEL + '\nHost a\n',
                           'BEGIN on line 2 has no END', 'by hand')

    def test_end_without_begin(self):
        self.assertDamaged(sshconfig.END + LABEL + '\n', 'END on line 1',
                           'no BEGIN')

    def test_end_before_begin(self):
        self.assertDamaged(f'{sshconfig.END}{LABEL}\n'
                           f'{sshconfig.BEGIN}{LABEL}\n', 'before')

    def test_two_blocks(self):
        one = '\n'.join(block()) + '\n'
        self.assertDamaged(one + one, '2 BEGIN lines', '2 END lines')

    def test_another_marker_inside(self):
        other = sshconfig.label('http://other', 'x')
        self.assertDamaged(f'{sshconfig.BEGIN}{LABEL}\n'
                           f'{sshconfig.BEGIN}{other}\n'
                           f'{sshconfig.END}{LABEL}\n', 'inside')

    def test_removing_a_damaged_block_is_refused_too(self):
        self.assertRaises(sshconfig.Damaged, sshconfig.splice,
                          sshconfig.BEGIN + LABEL + '\n', None, LABEL)


@unittest.skipIf(shutil.which('ssh') is None, 'needs the ssh client')
class SshReadsItBackTest(base.TestCase):
    """What ssh makes of the block: ``ssh -G``, which connects nowhere."""

    def effective(self, text: str, host: str) -> dict[str, str]:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, 'config')
        with open(path, 'w', newline='') as f:
            f.write(text)
        result = subprocess.run(
            ['ssh', '-G', '-F', path, host], capture_output=True,
            text=True, stdin=subprocess.DEVNULL, check=True, timeout=30)
        values: dict[str, str] = {}
        for line in result.stdout.splitlines():
            key, _, value = line.partition(' ')
            values.setdefault(key, value)
        return values

    def test_every_value_reads_back_exactly(self):
        keyfile = "/home/a b/.ssh/it's #1 (50%)"
        known = f'/home/a b/.config/keypairs-osc/known_hosts/{ID_A}'
        text = sshconfig.splice('', block(entry(
            host='web', identity_file=keyfile, known_hosts=known,
            login='ec2-user', port=2222, address='2001:db8::5')), LABEL)
        got = self.effective(text, 'web')
        self.assertEqual('2001:db8::5', got['hostname'])
        self.assertEqual('ec2-user', got['user'])
        self.assertEqual('2222', got['port'])
        # ssh -G shows paths before their % tokens are expanded: %% is the
        # one literal %, as ssh_config(5) says.
        self.assertEqual(keyfile.replace('%', '%%'), got['identityfile'])
        self.assertEqual(known, got['userknownhostsfile'])
        self.assertEqual(ID_A, got['hostkeyalias'])
        self.assertEqual('true', got['stricthostkeychecking'])
        self.assertEqual('yes', got['identitiesonly'])

    def test_block_values_win_over_host_star_defaults_after_it(self):
        user = 'Host *\n  User bob\n  StrictHostKeyChecking accept-new\n'
        text = sshconfig.splice(user, block(entry(
            known_hosts='/k/' + ID_A)), LABEL)
        got = self.effective(text, 'web')
        self.assertEqual('ubuntu', got['user'])
        self.assertEqual('true', got['stricthostkeychecking'])
        # ... and the user's defaults still apply to every other host.
        self.assertEqual('bob', self.effective(text, 'elsewhere')['user'])

    def test_global_lines_after_a_moved_block_stay_global(self):
        text = '\n'.join(block()) + '\nUser carol\nPort 2200\n'
        self.assertEqual('carol', self.effective(text, 'other')['user'])
        self.assertEqual('2200', self.effective(text, 'web')['port'])

    def test_a_crlf_file_reads_the_same(self):
        text = sshconfig.splice('Host x\r\n  User y\r\n', block(), LABEL)
        got = self.effective(text, 'web')
        self.assertEqual('203.0.113.7', got['hostname'])
        self.assertEqual('/home/alice/.ssh/mycloud', got['identityfile'])
        self.assertEqual('y', self.effective(text, 'x')['user'])

    def test_a_host_name_made_of_a_pattern_name_is_literal(self):
        names = sshconfig.host_names([(ID_A, '*'), (ID_B, 'web?')])
        text = sshconfig.splice('', block(
            entry(host=names[ID_A]), entry(host=names[ID_B],
                                           address='192.0.2.9')), LABEL)
        self.assertEqual('192.0.2.9',
                         self.effective(text, names[ID_B])['hostname'])
        self.assertEqual('anything', self.effective(text,
                                                    'anything')['hostname'])
