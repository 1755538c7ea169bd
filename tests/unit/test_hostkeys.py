"""hostkeys: the host keys a console shows, and known_hosts text of them."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from keypairs_osc import hostkeys
from tests.unit import base
from tests.unit import consoles
from tests.unit import keymaker
from tests.unit.consoles import DSA
from tests.unit.consoles import ECDSA
from tests.unit.consoles import ED25519
from tests.unit.consoles import FINGERPRINTS
from tests.unit.consoles import HOST_KEYS
from tests.unit.consoles import OTHER_ED25519
from tests.unit.consoles import RSA

SERVER_ID = '8a3c9f5e-2d41-4b7a-9c1e-6f0d2b7e4a19'


def lines_of(found: hostkeys.ConsoleKeys | None) -> list[str]:
    """The keys found, as ``type base64`` (the comment aside)."""
    assert found is not None
    return [' '.join(key.openssh.split()[:2]) for key in found.keys]


def without_comment(line: str) -> str:
    return ' '.join(line.split()[:2])


class FromConsoleTest(base.TestCase):

    def assertFinds(self, text: str, *expected: str) -> hostkeys.ConsoleKeys:
        found = hostkeys.from_console(text)
        self.assertEqual([without_comment(line) for line in expected],
                         lines_of(found))
        return found

    def test_ec2_console_bare_key_lines_and_crlf(self):
        found = self.assertFinds(consoles.EC2, *HOST_KEYS)
        self.assertEqual((), found.skipped)
        self.assertEqual(['root@web'] * 3,
                         [key.comment for key in found.keys])

    def test_every_line_with_a_syslog_prefix(self):
        self.assertFinds(consoles.SYSLOG, *HOST_KEYS)

    def test_systemd_console_whose_timestamps_move_on(self):
        self.assertFinds(consoles.SYSTEMD, *HOST_KEYS)

    def test_journal_style_prefix_with_host_and_pid(self):
        text = consoles.console(
            ED25519, prefix='Dec 02 10:00:{n:02d} web ec2[1215]: ')
        self.assertFinds(text, ED25519)

    def test_a_key_wrapped_by_an_80_column_console(self):
        text = consoles.console(ECDSA, *consoles.wrapped(RSA), ED25519)
        self.assertGreater(len(consoles.wrapped(RSA)), 5)
        found = self.assertFinds(text, ECDSA, RSA, ED25519)
        self.assertEqual((), found.skipped)

    def test_wrapped_lines_carry_no_prefix_of_their_own(self):
        parts = consoles.wrapped('ec2: ' + RSA)
        text = consoles.console(*parts, key_prefix='')
        text = text.replace(consoles.BEGIN, 'ec2: ' + consoles.BEGIN)
        self.assertFinds(text, RSA)

    def test_a_wrap_at_the_space_before_the_comment(self):
        b64_end = RSA.index(' root@web')
        first, rest = RSA[:b64_end], RSA[b64_end + 1:]
        self.assertFinds(consoles.console(first, rest), RSA)

    def test_a_key_split_by_logger_keeps_the_prefix_on_each_part(self):
        text = consoles.console(*consoles.wrapped(RSA, 200),
                                prefix='<14>Dec  2 10:00:01 ec2: ')
        self.assertFinds(text, RSA)

    def test_lf_cr_and_crlf_alike(self):
        for newline in ('\n', '\r\n', '\r'):
            self.assertFinds(consoles.console(ED25519, newline=newline),
                             ED25519)

    def test_fingerprint_block_alone_is_no_key_block(self):
        text = consoles.EC2.split(consoles.BEGIN)[0]
        self.assertIsNone(hostkeys.from_console(text))

    def test_no_block(self):
        self.assertIsNone(hostkeys.from_console(consoles.FAKE_DRIVER))
        self.assertIsNone(hostkeys.from_console(''))
        self.assertIsNone(hostkeys.from_console(None))

    def test_a_block_begun_and_never_ended_does_not_count(self):
        cut = consoles.EC2.split(consoles.END)[0]
        self.assertIsNone(hostkeys.from_console(cut))

    def test_of_two_blocks_the_last_counts(self):
        text = (consoles.console(ED25519) + '\r\n'
                + consoles.console(OTHER_ED25519))
        self.assertFinds(text, OTHER_ED25519)

    def test_a_cut_second_block_leaves_the_first(self):
        text = (consoles.console(ED25519) + '\r\n'
                + consoles.console(OTHER_ED25519).split(consoles.END)[0])
        self.assertFinds(text, ED25519)

    def test_garbage_inside_the_block_is_left_out_with_its_reason(self):
        text = consoles.console(
            '[   26.001] systemd[1]: Started ssh.service.',
            DSA,
            'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN',
            ED25519,
            'ssh-rsa !!!not base64!!! root@web',
            'ecdsa-sha2-nistp999 AAAA root@web')
        found = self.assertFinds(text, ED25519)
        self.assertEqual(5, len(found.skipped), found.skipped)
        self.assertIn('ssh-dss: DSA keys are obsolete', found.skipped[1])
        self.assertIn('ssh-rsa: ', found.skipped[3])

    def test_a_block_of_garbage_only_finds_no_key(self):
        found = hostkeys.from_console(consoles.console(
            'garbage', 'ssh-rsa AAAA', DSA))
        self.assertEqual((), found.keys)
        self.assertEqual(3, len(found.skipped))

    def test_a_weak_rsa_key_is_left_out(self):
        weak = keymaker.weak_rsa().public_key().public_bytes(
            serialization.Encoding.OpenSSH,
            serialization.PublicFormat.OpenSSH).decode()
        found = hostkeys.from_console(consoles.console(weak, ED25519))
        self.assertEqual([without_comment(ED25519)], lines_of(found))
        self.assertIn('too weak', found.skipped[0])

    def test_the_same_key_twice_is_one_key(self):
        self.assertFinds(consoles.console(ED25519, ED25519), ED25519)

    def test_a_key_line_inside_other_text_outside_the_block_is_ignored(self):
        text = consoles.FAKE_DRIVER + '\n' + OTHER_ED25519 + '\n' + \
            consoles.console(ED25519)
        self.assertFinds(text, ED25519)


class FingerprintsTest(base.TestCase):

    def test_as_ssh_keygen_prints_them(self):
        found = hostkeys.from_console(consoles.EC2)
        self.assertEqual(
            ', '.join(sorted([f'{FINGERPRINTS[ECDSA]} (ECDSA)',
                              f'{FINGERPRINTS[ED25519]} (ED25519)',
                              f'{FINGERPRINTS[RSA]} (RSA)'])),
            hostkeys.fingerprints(found.keys))

    def test_same_keys_ignores_order_and_comments(self):
        ours = hostkeys.from_console(consoles.EC2).keys
        theirs = hostkeys.from_console(consoles.console(
            *(without_comment(line) for line in reversed(HOST_KEYS)))).keys
        self.assertTrue(hostkeys.same_keys(ours, theirs))
        self.assertFalse(hostkeys.same_keys(ours, theirs[:2]))


class KnownHostsTest(base.TestCase):

    def test_one_line_per_key_named_by_the_server_id(self):
        found = hostkeys.from_console(consoles.EC2)
        text = hostkeys.known_hosts(SERVER_ID, found.keys)
        entries = [line for line in text.splitlines()
                   if not line.startswith('#')]
        self.assertEqual([f'{SERVER_ID} {without_comment(line)}'
                          for line in HOST_KEYS], entries)
        self.assertTrue(text.endswith('\n'))
        self.assertNotIn('root@web', text)

    def test_read_back_as_written(self):
        found = hostkeys.from_console(consoles.EC2)
        text = hostkeys.known_hosts(SERVER_ID, found.keys)
        self.assertEqual([key.blob for key in found.keys],
                         [key.blob for key in hostkeys.parse_known_hosts(
                             text, SERVER_ID)])

    def test_a_name_that_is_no_host_name_is_refused(self):
        for alias in ('web *', 'a,b', '!x', '', '[1.2.3.4]:22', 'a\nb'):
            self.assertRaises(hostkeys.HostKeyProblem,
                              hostkeys.known_hosts, alias, ())

    def test_damage_in_a_pinned_file_says_which_line(self):
        good = hostkeys.known_hosts(
            SERVER_ID, hostkeys.from_console(consoles.EC2).keys)
        cases = {
            good + 'garbage\n': 'line 5 is no known_hosts line',
            good + f'other-id {without_comment(ED25519)}\n':
                "line 5 is for another host, 'other-id'",
            good + f'{SERVER_ID} ssh-ed25519 AAAA\n': 'line 5: ',
            '# nothing\n': 'holds no host key',
            '': 'holds no host key',
        }
        for text, expected in cases.items():
            error = self.assertRaises(hostkeys.HostKeyProblem,
                                      hostkeys.parse_known_hosts, text,
                                      SERVER_ID)
            self.assertIn(expected, str(error))
            self.assertNotIn('\n', str(error))
