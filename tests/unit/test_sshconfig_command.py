"""keypair ssh-config, with a spec'd SDK standing in for the cloud."""

from __future__ import annotations

import os
import shutil
import subprocess
import unittest
from unittest import mock

import fixtures
from openstack.compute.v2 import server as sdk_server
from openstack.test import fakes as sdk_fakes
from osc_lib import exceptions

from keypairs_osc import record
from keypairs_osc import securefile
from keypairs_osc import sshconfig
from keypairs_osc import sshconfig_file
from keypairs_osc.v1 import ssh_config
from tests.unit import base
from tests.unit import fakes

CLOUD = base.NOVA_URL
LABEL = sshconfig.label(CLOUD, base.USER_ID)
USER_TEXT = ('# my own settings\n'
             'Include ~/.ssh/config.d/*\n'
             'Host bastion\n'
             '    HostName 192.0.2.1\n'
             'Match host *.corp\n'
             '  User corp\n'
             'Host *\n'
             '  ServerAliveInterval 30')  # and no line end


def server(name: str, server_id: str, key_name: str | None = 'k',
           user_id: str = base.USER_ID, image: str | None = 'ubuntu-img',
           addresses: dict | None = None):
    return sdk_fakes.generate_fake_resource(
        sdk_server.Server, name=name, id=server_id, key_name=key_name,
        user_id=user_id, image={'id': image} if image else None,
        addresses=addresses if addresses is not None else {
            'net': [{'addr': '10.0.0.5', 'version': 4,
                     'OS-EXT-IPS:type': 'fixed'},
                    {'addr': f'203.0.113.{len(name) % 250}', 'version': 4,
                     'OS-EXT-IPS:type': 'floating'}]})


class SshConfigTestCase(base.CommandTestCase):
    command_class = ssh_config.SshConfigKeypair

    def setUp(self):
        super().setUp()
        self.home = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('HOME', self.home))
        self.keyfile = self.write('my key', b'a private key\n')
        record.remember(CLOUD, base.USER_ID, 'k', self.keyfile,
                        'SHA256:whatever')
        self.servers = [server('web', 'aaaaaaaa-1'), server('db', 'bbbb-2')]
        self.compute = self.app.client_manager.compute
        self.compute.servers.side_effect = lambda **kw: iter(self.servers)
        self.images = {
            'ubuntu-img': mock.Mock(properties={'os_distro': 'ubuntu'},
                                    spec=['properties']),
            'bare-img': mock.Mock(properties={}, spec=['properties'])}
        self.get_image = \
            self.app.client_manager.sdk_connection.image.get_image
        self.get_image.side_effect = lambda image_id: self.images[image_id]
        self.config = os.path.join(self.home, '.ssh', 'config')

    def run_cmd(self, *argv: str):
        """The command's rows; what it says is in stderr()."""
        columns, rows = super().run_cmd(*argv)
        self.assertEqual(ssh_config.COLUMNS, columns)
        return list(rows)

    def stderr(self) -> str:
        return self.app.stderr.getvalue()

    def text(self, path: str | None = None) -> str:
        with open(path or self.config, newline='') as f:
            return f.read()

    def block(self, path: str | None = None) -> str:
        text = self.text(path)
        begin = text.index(sshconfig.BEGIN + LABEL)
        end = text.index(sshconfig.END + LABEL)
        return text[begin:end]

    def put(self, path: str, text: str, mode: int = 0o644) -> str:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', newline='') as f:
            f.write(text)
        os.chmod(path, mode)
        return path


class WritesTest(SshConfigTestCase):

    def test_a_host_per_server_with_its_address_login_and_key(self):
        rows = self.run_cmd()
        self.assertEqual(
            [('db', 'db', 'bbbb-2', '203.0.113.2', 'ubuntu', False),
             ('web', 'web', 'aaaaaaaa-1', '203.0.113.3', 'ubuntu', False)],
            rows)
        block = self.block()
        self.assertIn('Host web\n', block)
        self.assertIn('  HostName 203.0.113.3\n', block)
        self.assertIn('  User ubuntu\n', block)
        self.assertIn(f'  IdentityFile "{self.keyfile}"\n', block)
        self.assertIn('  IdentitiesOnly yes\n', block)
        self.assertIn(f'Wrote 2 hosts to {self.config}', self.stderr())

    def test_one_server_listing_and_each_image_read_once(self):
        self.servers += [server(f's{n}', f'id-{n}') for n in range(5)]
        self.servers.append(server('bare', 'id-bare', image='bare-img'))
        self.run_cmd()
        self.compute.servers.assert_called_once_with(details=True)
        self.assertEqual(sorted(['ubuntu-img', 'bare-img']),
                         sorted(c.args[0]
                                for c in self.get_image.call_args_list))

    def test_other_users_servers_are_left_out_silently(self):
        self.servers.append(server('theirs', 'cccc-3', user_id='other'))
        rows = self.run_cmd()
        self.assertNotIn('theirs', [row[0] for row in rows])
        self.assertNotIn('theirs', self.stderr())

    def test_servers_that_cannot_have_a_host_are_named_on_stderr(self):
        os.makedirs(os.path.join(self.tmp, 'gone'))
        record.remember(CLOUD, base.USER_ID, 'gone',
                        os.path.join(self.tmp, 'gone', 'key'), 'SHA256:x')
        self.servers += [
            server('nokey', 'id-1', key_name=None),
            server('unrecorded', 'id-2', key_name='elsewhere'),
            server('lost', 'id-3', key_name='gone'),
            server('bare', 'id-4', image='bare-img'),
            server('volume', 'id-5', image=None),
            server('offline', 'id-6', addresses={})]
        rows = self.run_cmd()
        self.assertEqual(['db', 'web'], [row[0] for row in rows])
        said = self.stderr()
        for name, why in (
                ('nokey', 'booted without a key pair'),
                ('unrecorded', "key pair 'elsewhere' is recorded"),
                ('lost', 'no longer exists'),
                ('bare', 'give --login'), ('volume', 'give --login'),
                ('offline', 'no public IPv4/6 address')):
            line = next(line for line in said.splitlines()
                        if f"'{name}'" in line)
            self.assertIn('Skipped server', line)
            self.assertIn(why, line)

    def test_a_rotated_server_gets_the_key_it_was_rotated_to(self):
        # Nova still names 'k'; the record knows the server lets in 'k2'.
        rotated_key = self.write('rotated key', b'another private key\n')
        record.remember_rotation(CLOUD, record.Rotation(
            'aaaaaaaa-1', 'web', base.USER_ID, 'k', 'k2', rotated_key,
            'SHA256:rotated'))
        self.run_cmd()
        db, web = self.block().split('Host web\n')  # db's host first
        self.assertIn(f'  IdentityFile "{rotated_key}"\n', web)
        self.assertIn(f'  IdentityFile "{self.keyfile}"\n', db)
        self.assertNotIn(self.keyfile, web)

    def test_a_rotated_server_whose_new_key_is_gone_is_skipped(self):
        record.remember_rotation(CLOUD, record.Rotation(
            'aaaaaaaa-1', 'web', base.USER_ID, 'k', 'k2',
            os.path.join(self.tmp, 'deleted'), 'SHA256:rotated'))
        rows = self.run_cmd()
        self.assertEqual(['db'], [row[0] for row in rows])
        self.assertIn("Skipped server 'web' (aaaaaaaa-1): "
                      f"{os.path.join(self.tmp, 'deleted')}, the private "
                      "key of key pair 'k2', no longer exists",
                      self.stderr())

    def test_login_gives_every_server_its_login(self):
        self.servers.append(server('bare', 'id-4', image='bare-img'))
        rows = self.run_cmd('--login', 'admin')
        self.assertEqual({'admin'}, {row[4] for row in rows})
        self.assertEqual(3, len(rows))
        self.get_image.assert_not_called()

    def test_os_admin_user_of_the_image(self):
        self.images['ubuntu-img'] = mock.Mock(
            properties={'os_admin_user': 'ops', 'os_distro': 'ubuntu'},
            spec=['properties'])
        self.assertEqual({'ops'}, {row[4] for row in self.run_cmd()})

    def test_address_options_choose_as_keypair_ssh_does(self):
        self.assertEqual({'10.0.0.5'},
                         {row[3] for row in self.run_cmd('--private')})
        self.servers = [server('v6', 'id-6', addresses={'net': [
            {'addr': '203.0.113.9', 'version': 4,
             'OS-EXT-IPS:type': 'floating'},
            {'addr': '2001:db8::9', 'version': 6,
             'OS-EXT-IPS:type': 'floating'}]})]
        self.assertEqual(['2001:db8::9'], [row[3]
                                           for row in self.run_cmd('-6')])
        self.assertIn('  HostName 2001:db8::9\n', self.block())
        rows = self.run_cmd('--address-type', 'provider')
        self.assertEqual([], rows)
        self.assertIn('no provider IPv4/6 address', self.stderr())

    def test_pinned_host_keys_are_used_where_the_file_exists(self):
        pinned = record.known_hosts_path('aaaaaaaa-1')
        os.makedirs(os.path.dirname(pinned))
        self.put(pinned, '[x]:22 ssh-ed25519 AAAA\n', 0o600)
        rows = self.run_cmd()
        self.assertEqual({'web': True, 'db': False},
                         {row[0]: row[5] for row in rows})
        web = self.block().split('Host web\n')[1]
        self.assertIn(f'  UserKnownHostsFile "{pinned}"\n', web)
        self.assertIn('  HostKeyAlias aaaaaaaa-1\n', web)
        self.assertIn('  StrictHostKeyChecking yes\n', web)
        db = self.block().split('Host db\n')[1].split('Host web')[0]
        self.assertNotIn('HostKeyAlias', db)

    def test_port(self):
        self.run_cmd('--port', '2222')
        self.assertEqual(2, self.block().count('  Port 2222\n'))

    def test_prefix(self):
        self.assertEqual(['prod-db', 'prod-web'],
                         [row[0] for row in self.run_cmd('--prefix',
                                                         'Prod-')])

    def test_names_are_made_safe_and_unique(self):
        self.servers = [server('web', 'aaaaaaaa-1'),
                        server('Web', 'bbbbbbbb-2'),
                        server('my * server', 'cccc-3'),
                        server('', 'dddd-4'), server('Ω', 'eeee-5')]
        hosts = [row[0] for row in self.run_cmd()]
        self.assertEqual(sorted(['web-aaaaaaaa', 'web-bbbbbbbb',
                                 'my-server', 'server-dddd-4',
                                 'server-eeee-5']), sorted(hosts))
        self.assertIn("Server 'Web' is host web-bbbbbbbb", self.stderr())

    def test_a_host_the_user_names_already_is_not_taken_over(self):
        self.put(self.config, 'Host web\n  HostName 192.0.2.50\n')
        hosts = [row[0] for row in self.run_cmd()]
        self.assertIn('web-aaaaaaaa', hosts)
        self.assertTrue(self.text().endswith(
            'Host web\n  HostName 192.0.2.50\n'))

    def test_nothing_recorded_writes_an_empty_block_without_listing(self):
        os.unlink(self.record)
        self.assertEqual([], self.run_cmd())
        self.compute.servers.assert_not_called()
        self.assertIn('No private key', self.stderr())
        self.assertNotIn('Host ', self.block())

    def test_a_server_name_with_a_newline_stays_in_its_comment(self):
        self.servers = [server('x\nProxyCommand touch /tmp/p', 'id-1')]
        self.run_cmd()
        lines = self.block().splitlines()
        self.assertFalse(any(line.startswith('ProxyCommand')
                             for line in lines))


class FileTest(SshConfigTestCase):

    def test_a_new_config_is_0600_in_a_new_0700_ssh_directory(self):
        self.run_cmd()
        self.assertEqual(0o700, base.mode(os.path.dirname(self.config)))
        self.assertEqual(0o600, base.mode(self.config))

    def test_an_existing_file_keeps_its_mode_and_every_other_byte(self):
        self.put(self.config, USER_TEXT, 0o640)
        self.run_cmd()
        self.assertEqual(0o640, base.mode(self.config))
        self.assertTrue(self.text().endswith('\n' + USER_TEXT))
        self.run_cmd('--remove')
        self.assertEqual(USER_TEXT, self.text())
        self.assertEqual(0o640, base.mode(self.config))

    def test_crlf_and_other_encodings_survive(self):
        user = 'Host a\r\n  # caf\xe9 in latin-1\r\n'.encode('latin-1')
        os.makedirs(os.path.dirname(self.config))
        with open(self.config, 'wb') as f:
            f.write(user)
        self.run_cmd()
        with open(self.config, 'rb') as f:
            data = f.read()
        self.assertTrue(data.endswith(b'\r\n' + user))
        self.assertNotIn(b'\n', data.replace(b'\r\n', b''))
        self.run_cmd('--remove')
        with open(self.config, 'rb') as f:
            self.assertEqual(user, f.read())

    def test_a_rerun_updates_the_block_and_drops_deleted_servers(self):
        self.put(self.config, USER_TEXT)
        self.run_cmd()
        self.servers = [self.servers[0]]
        self.assertEqual(['web'], [row[0] for row in self.run_cmd()])
        self.assertNotIn('Host db', self.text())
        self.assertEqual(1, self.text().count(sshconfig.BEGIN))
        self.assertTrue(self.text().endswith('\n' + USER_TEXT))

    def test_an_unchanged_block_is_not_rewritten(self):
        self.run_cmd()
        before = os.stat(self.config)
        self.run_cmd()
        self.assertEqual(before.st_ino, os.stat(self.config).st_ino)
        self.assertIn('unchanged', self.stderr())

    def test_a_block_moved_by_the_user_stays_where_it_is(self):
        self.run_cmd()
        block = self.text()
        self.put(self.config, USER_TEXT + '\n' + block)
        self.servers = [self.servers[0]]
        self.run_cmd()
        self.assertTrue(self.text().startswith(USER_TEXT + '\n'
                                               + sshconfig.BEGIN))

    def test_a_symlinked_config_is_edited_at_its_target(self):
        target = self.put(os.path.join(self.home, 'dotfiles', 'ssh_config'),
                          USER_TEXT, 0o600)
        os.makedirs(os.path.dirname(self.config))
        os.symlink('../dotfiles/ssh_config', self.config)
        self.run_cmd()
        self.assertTrue(os.path.islink(self.config))
        self.assertIn('Host web', self.text(target))
        self.run_cmd('--remove')
        self.assertEqual(USER_TEXT, self.text(target))
        self.assertTrue(os.path.islink(self.config))

    def test_file_writes_elsewhere_and_leaves_the_main_config(self):
        self.put(self.config, 'Include config.d/cloud\n')
        other = os.path.join(self.home, '.ssh', 'config.d', 'cloud')
        os.makedirs(os.path.dirname(other))
        self.run_cmd('--file', other)
        self.assertEqual('Include config.d/cloud\n', self.text())
        self.assertIn('Host web', self.text(other))
        self.assertEqual(0o600, base.mode(other))

    def test_dry_run_prints_the_block_and_writes_nothing(self):
        self.assertEqual([], self.run_cmd('--dry-run'))
        printed = self.app.stdout.getvalue()
        self.assertTrue(printed.startswith(sshconfig.BEGIN + LABEL))
        self.assertIn('Host web\n', printed)
        self.assertFalse(os.path.exists(os.path.dirname(self.config)))
        self.assertIn('not written', self.stderr())

    def test_dry_run_prints_no_table(self):
        parsed = self.parse('--dry-run')
        self.assertEqual(0, self.cmd.run(parsed))
        self.assertNotIn('Server ID', self.app.stdout.getvalue())
        self.assertIn('Host web', self.app.stdout.getvalue())

    def test_a_table_of_what_was_written(self):
        self.assertEqual(0, self.cmd.run(self.parse('-f', 'value')))
        self.assertIn('web web aaaaaaaa-1 203.0.113.3 ubuntu False',
                      self.app.stdout.getvalue())

    def test_remove_without_a_block_or_a_file_changes_nothing(self):
        self.assertEqual([], self.run_cmd('--remove'))
        self.assertFalse(os.path.exists(self.config))
        self.put(self.config, USER_TEXT)
        before = os.stat(self.config)
        self.run_cmd('--remove')
        self.assertEqual(before.st_ino, os.stat(self.config).st_ino)
        self.assertIn('nothing removed', self.stderr())
        self.compute.servers.assert_not_called()

    def use_cloud(self, url: str) -> None:
        """Run as on another cloud, where key pair k is recorded too."""
        self.compute.get_endpoint.return_value = url
        record.remember(url, base.USER_ID, 'k', self.keyfile, 'SHA256:x')

    def test_remove_leaves_other_clouds_blocks(self):
        self.put(self.config, USER_TEXT)
        self.use_cloud('http://other/v2.1')
        self.run_cmd()
        theirs = self.text()
        self.use_cloud(CLOUD)
        self.run_cmd()
        self.assertEqual(2, self.text().count(sshconfig.BEGIN))
        self.run_cmd('--remove')
        self.assertEqual(theirs, self.text())

    def test_each_project_keeps_its_own_block(self):
        self.app.client_manager.auth_ref = mock.Mock(
            user_id=base.USER_ID, project_id='project-a')
        self.run_cmd()
        self.app.client_manager.auth_ref = mock.Mock(
            user_id=base.USER_ID, project_id='project-b')
        self.servers = [server('build', 'ffff-6')]
        self.assertEqual(['build'], [row[0] for row in self.run_cmd()])
        text = self.text()
        self.assertIn(f'{CLOUD} project project-a user {base.USER_ID}',
                      text)
        self.assertIn(f'{CLOUD} project project-b user {base.USER_ID}',
                      text)
        self.assertIn('Host web\n', text)
        self.assertIn('Host build\n', text)

    def test_two_clouds_same_server_names_get_distinct_hosts(self):
        self.run_cmd()
        self.use_cloud('http://other/v2.1')
        self.assertEqual(['db-bbbb-2', 'web-aaaaaaaa'],
                         [row[0] for row in self.run_cmd()])
        self.assertEqual(['o-db', 'o-web'],
                         [row[0] for row in self.run_cmd('--prefix', 'o-')])
        self.assertEqual(2, self.text().count(sshconfig.BEGIN))

    def test_no_temporary_file_is_left(self):
        self.run_cmd()
        self.assertEqual(['config'], os.listdir(os.path.dirname(
            self.config)))


class BadInputTest(SshConfigTestCase):

    def assertOneLine(self, *argv, contains=()):
        error = self.assertRaises(exceptions.CommandError, self.run_cmd,
                                  *argv)
        self.assertNotIn('\n', str(error))
        for part in contains:
            self.assertIn(part, str(error))
        return error

    def test_a_damaged_block_is_one_line_and_nothing_is_written(self):
        text = USER_TEXT.replace('Host bastion',
                                 sshconfig.BEGIN + LABEL + '\nHost bastion')
        self.put(self.config, text)
        for argv in ((), ('--remove',), ('--dry-run',)):
            with self.subTest(argv=argv):
                self.assertOneLine(*argv, contains=(
                    self.config, 'BEGIN on line 3 has no END'))
                self.assertEqual(text, self.text())
        self.compute.servers.assert_not_called()

    def test_a_bad_prefix(self):
        self.assertOneLine('--prefix', 'a b', contains=('--prefix',))

    def test_bad_ports_and_exclusive_options_are_refused_by_the_parser(self):
        for argv in (('--port', '0'), ('--port', '65536'),
                     ('--port', 'x'), ('--remove', '--dry-run'),
                     ('-4', '-6'), ('--public', '--private')):
            with self.subTest(argv=argv):
                self.assertRaises(base.osc_base.ParserException,
                                  self.parse, *argv)

    def test_a_bad_login_is_one_line(self):
        for login in ('root\nProxyCommand x', 'a b', '%u'):
            with self.subTest(login=login):
                self.assertOneLine('--login', login,
                                   contains=('login name',))
        self.assertFalse(os.path.exists(self.config))

    def test_an_image_s_bad_login_is_a_skip(self):
        self.images['ubuntu-img'] = mock.Mock(
            properties={'os_admin_user': 'x\nProxyCommand y'},
            spec=['properties'])
        self.assertEqual([], self.run_cmd())
        self.assertIn("Skipped server 'web'", self.stderr())
        self.assertNotIn('ProxyCommand', self.block())

    def test_a_key_path_ssh_cannot_hold_is_a_skip(self):
        odd = self.write('with"quote', b'k')
        record.remember(CLOUD, base.USER_ID, 'k', odd, 'SHA256:x')
        self.assertEqual([], self.run_cmd())
        self.assertIn('cannot quote', self.stderr())

    def test_a_config_that_is_a_directory(self):
        os.makedirs(self.config)
        self.assertOneLine(contains=(self.config, 'not a regular file'))

    def test_a_file_in_a_directory_that_does_not_exist(self):
        path = os.path.join(self.home, 'no', 'such', 'config')
        self.assertOneLine('--file', path,
                           contains=('directory does not exist',))

    def test_a_read_only_directory_leaves_the_file_as_it_was(self):
        self.put(self.config, USER_TEXT)
        if os.geteuid() == 0:  # root writes anywhere: the home is nobody's
            for top, _dirs, files in os.walk(self.home):
                for name in [top, *(os.path.join(top, f) for f in files)]:
                    os.chown(name, base.NOBODY, base.NOBODY)
        os.chmod(os.path.dirname(self.config), 0o500)
        self.addCleanup(os.chmod, os.path.dirname(self.config), 0o700)
        with base.as_nobody():
            self.assertOneLine(contains=(self.config, 'permission denied'))
        self.assertEqual(USER_TEXT, self.text())
        self.assertEqual(['config'],
                         os.listdir(os.path.dirname(self.config)))

    def test_a_symlink_loop(self):
        os.makedirs(os.path.dirname(self.config))
        os.symlink('config', self.config)
        self.assertOneLine(contains=(self.config, 'symbolic links'))

    def test_a_config_too_large_to_be_one(self):
        self.put(self.config, '#' * (sshconfig_file.MAX_BYTES + 1))
        self.assertOneLine(contains=(self.config, 'larger than'))

    def test_an_unreadable_config(self):
        self.put(self.config, USER_TEXT)
        real_open = open

        def refuse(path, *args, **kwargs):
            if path == self.config:
                raise PermissionError(13, 'Permission denied')
            return real_open(path, *args, **kwargs)

        with mock.patch('builtins.open', refuse):
            self.assertOneLine(contains=(self.config, 'permission denied'))

    def test_a_full_disk_leaves_the_file_and_no_temporary(self):
        self.put(self.config, USER_TEXT)
        with mock.patch('os.replace', side_effect=OSError(
                28, 'No space left on device')):
            self.assertOneLine(contains=(self.config, 'no space left'))
        self.assertEqual(USER_TEXT, self.text())
        self.assertEqual(['config'], os.listdir(os.path.dirname(
            self.config)))

    def test_no_temporary_file_can_be_made(self):
        self.put(self.config, USER_TEXT)
        with mock.patch('tempfile.mkstemp', side_effect=OSError(
                30, 'Read-only file system')):
            self.assertOneLine(contains=('read-only file system',))
        self.assertEqual(USER_TEXT, self.text())

    def test_the_ssh_directory_cannot_be_made(self):
        with mock.patch('os.mkdir', side_effect=OSError(
                13, 'Permission denied')):
            self.assertOneLine(contains=('permission denied',))

    def test_an_ssh_directory_made_meanwhile_is_used(self):
        real_mkdir = os.mkdir

        def race(path, mode=0o777):
            real_mkdir(path, mode)
            raise FileExistsError(17, 'File exists')

        with mock.patch('os.mkdir', race):
            self.run_cmd()
        self.assertIn('Host web', self.text())

    def test_the_server_listing_failing_is_one_line(self):
        self.compute.servers.side_effect = fakes.http_error(500, 'boom')
        self.assertOneLine(contains=('servers:', 'HTTP 500'))
        self.assertFalse(os.path.exists(self.config))

    def test_a_token_without_a_user(self):
        self.app.client_manager.auth_ref = mock.Mock(user_id=None)
        self.assertOneLine(contains=('user ID',))

    def test_a_file_changed_meanwhile_is_not_overwritten(self):
        path = self.put(self.config, USER_TEXT)
        before = sshconfig_file.read(path)
        self.put(path, USER_TEXT + '\nHost new\n')
        error = self.assertRaises(securefile.FileProblem,
                                  sshconfig_file.write, before, 'x', path)
        self.assertIn('changed', str(error))
        self.assertIn('Host new', self.text())
        self.assertEqual(['config'], os.listdir(os.path.dirname(path)))


@unittest.skipIf(shutil.which('ssh') is None, 'needs the ssh client')
class SshReadsTheWrittenFileTest(SshConfigTestCase):

    def test_ssh_g_shows_each_host_as_written(self):
        self.servers.append(server('odd name *', 'eeee-5'))
        self.put(self.config, USER_TEXT)
        rows = self.run_cmd('--port', '2200')
        for host, _, _, address, login, _ in rows:
            with self.subTest(host=host):
                out = subprocess.run(
                    ['ssh', '-G', '-F', self.config, host],
                    capture_output=True, text=True, check=True,
                    stdin=subprocess.DEVNULL, timeout=30).stdout
                got = dict(line.partition(' ')[::2]
                           for line in reversed(out.splitlines()))
                self.assertEqual(address, got['hostname'])
                self.assertEqual(login, got['user'])
                self.assertEqual('2200', got['port'])
                self.assertEqual(self.keyfile, got['identityfile'])
                self.assertEqual('30', got['serveraliveinterval'])
        self.assertIn('odd-name', [row[0] for row in rows])
