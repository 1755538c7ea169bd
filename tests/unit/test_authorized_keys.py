"""Editing an authorized_keys file's text: a key is found by its blob, as
sshd compares keys, and every other byte of the file is kept."""

from __future__ import annotations

import base64

from keypairs_osc import authorized_keys
from keypairs_osc import keys
from tests import vectors
from tests.unit import base

#: Three fixed ed25519 keys (seeds 00..1f, 20..3f, 40..5f).
OLD = vectors.FIXED_LINE.encode()
NEW = (b'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmsuuFBvMrwsi4alNNNC8c2HlJtC/4'
       b'SyJeUvJMilm3X')
OTHER = (b'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICVDuS/xCVURR2rcg2nbbdyTNmWhG'
         b'XjdoUBO4QZsqVWd')


def blob(line: bytes) -> bytes:
    return base64.b64decode(line.split()[1])


OLD_BLOB, NEW_BLOB, OTHER_BLOB = blob(OLD), blob(NEW), blob(OTHER)


class LineBlobTest(base.TestCase):

    def test_a_key_line_gives_its_blob_whatever_its_comment(self):
        self.assertEqual(OLD_BLOB, keys.line_blob(OLD.decode()))
        self.assertEqual(OLD_BLOB,
                         keys.line_blob(OLD.decode() + ' me@laptop \n'))
        self.assertEqual(OLD_BLOB, keys.line_blob('  ' + OLD.decode()))

    def test_options_before_the_key_are_skipped(self):
        for options in ('no-pty', 'restrict,pty',
                        'from="10.0.0.0/8,192.0.2.1",no-pty',
                        'command="echo \\"a b\\" c",no-agent-forwarding'):
            with self.subTest(options=options):
                self.assertEqual(OLD_BLOB, keys.line_blob(
                    f'{options} {OLD.decode()} ops@bastion'))

    def test_comments_and_blank_lines_hold_no_key(self):
        for line in ('', '\n', '   \t\r\n', '#', '# ' + OLD.decode(),
                     '   #' + OLD.decode()):
            with self.subTest(line=line):
                self.assertIsNone(keys.line_blob(line))

    def test_a_line_sshd_cannot_read_holds_no_key(self):
        for line in ('hello world', 'ssh-ed25519',
                     'ssh-ed25519 not*base64 c', 'ssh-ed25519 AAAA=B c',
                     'no-pty', 'no-pty,from="x y"',
                     # the options end at the space: ",no-pty" is no key
                     f'from="10.0.0.1" ,no-pty {OLD.decode()}',
                     'from="unterminated ' + OLD.decode()):
            with self.subTest(line=line):
                self.assertIsNone(keys.line_blob(line))


    def test_a_cert_authority_line_lets_no_login_with_its_key(self):
        # sshd takes such a key only as the signer of certificates.
        for options in ('cert-authority', 'CERT-AUTHORITY',
                        'no-pty,cert-authority,from="a b"',
                        'from="10.0.0.1",cert-authority'):
            with self.subTest(options=options):
                self.assertIsNone(keys.line_blob(
                    f'{options} {OLD.decode()}'))
        # Only as an option's name: a quoted value or a comment is not,
        # whatever commas the value holds or key text the comment repeats.
        for line in (f'command="cert-authority" {OLD.decode()} '
                     'cert-authority',
                     f'command="echo a,cert-authority" {OLD.decode()}',
                     f'environment="A=b c, cert-authority" {OLD.decode()}',
                     f'{OLD.decode()} cert-authority {OLD.decode()}'):
            with self.subTest(line=line):
                self.assertEqual(OLD_BLOB, keys.line_blob(line))

    def test_cert_authority_given_a_value_lets_no_login_either(self):
        # sshd refuses the whole line: the flag takes no value.
        self.assertIsNone(keys.line_blob(f'cert-authority=yes {OLD.decode()}'))


class CountTest(base.TestCase):

    def test_every_line_of_the_key_counts_whatever_its_options(self):
        text = (OLD + b' cloud-init\n'
                + b'from="10.0.0.0/8,192.0.2.1",no-pty ' + OLD + b' ops\n'
                + b'command="echo hi there" ' + OLD + b'\n'
                + b'\t' + OLD + b'\r\n'
                + OTHER + b' backup\n')
        self.assertEqual(4, authorized_keys.count(text, OLD_BLOB))
        self.assertEqual(1, authorized_keys.count(text, OTHER_BLOB))
        self.assertEqual(0, authorized_keys.count(text, NEW_BLOB))

    def test_comments_blank_and_unreadable_lines_count_for_nothing(self):
        text = (b'# ' + OLD + b'\n\n   \n'
                + b'ssh-ed25519 ' + OLD.split()[1][:20] + b'!! broken\n'
                + b'not a key ' + OLD + b'\n')
        self.assertEqual(0, authorized_keys.count(text, OLD_BLOB))
        self.assertEqual(0, authorized_keys.count(b'', OLD_BLOB))

    def test_a_comment_that_is_not_utf8_still_names_the_key(self):
        # sshd reads the key, whatever bytes its comment holds.
        text = OLD + b' caf\xe9@latin1\n' + b'\xff\xfe junk\n'
        self.assertEqual(1, authorized_keys.count(text, OLD_BLOB))


class AddTest(base.TestCase):

    def test_the_line_is_appended_and_every_byte_before_it_kept(self):
        text = b'# ops\r\n' + OLD + b' a\r\n\r\n' + b'\xff\xfe junk\n'
        self.assertEqual(text + NEW + b' new@laptop\n', authorized_keys.add(
            text, NEW.decode() + ' new@laptop', NEW_BLOB))

    def test_a_file_without_a_final_newline_gets_one_first(self):
        self.assertEqual(b'# ops\n' + OLD + b'\n' + NEW + b'\n',
                         authorized_keys.add(b'# ops\n' + OLD,
                                             NEW.decode(), NEW_BLOB))
        self.assertEqual(OLD + b'\r\n' + NEW + b'\n',
                         authorized_keys.add(OLD + b'\r\n', NEW.decode(),
                                             NEW_BLOB))

    def test_an_empty_file_gets_the_line_alone(self):
        self.assertEqual(NEW + b'\n',
                         authorized_keys.add(b'', NEW.decode(), NEW_BLOB))

    def test_the_new_line_is_stripped_of_surrounding_space(self):
        self.assertEqual(OLD + b'\n' + NEW + b' c\n', authorized_keys.add(
            OLD + b'\n', '  ' + NEW.decode() + ' c \n', NEW_BLOB))

    def test_nothing_is_added_when_the_key_is_there_in_any_form(self):
        for text in (NEW + b'\n', b'# ops\n' + NEW,
                     OLD + b'\nno-pty ' + NEW + b' by hand\r\n'):
            with self.subTest(text=text):
                self.assertEqual(text, authorized_keys.add(
                    text, NEW.decode() + ' other comment', NEW_BLOB))

    def test_a_commented_out_key_is_no_key_there(self):
        text = b'# ' + NEW + b'\n'
        self.assertEqual(text + NEW + b'\n',
                         authorized_keys.add(text, NEW.decode(), NEW_BLOB))


class RemoveTest(base.TestCase):

    def test_every_line_of_the_key_goes_and_every_other_byte_stays(self):
        head = b'# ops: keep the backup key\r\n\r\n'
        junk = b'\xff\xfe not utf-8\n'
        tail = b'from="127.0.0.0/8",no-pty ' + OTHER + b' backup@ops'
        text = (head + OLD + b' cloud-init\r\n' + junk
                + b'no-pty,command="echo a b" ' + OLD + b' copy\n'
                + b'# ' + OLD + b' commented out\n' + tail)
        self.assertEqual(head + junk + b'# ' + OLD + b' commented out\n'
                         + tail, authorized_keys.remove(text, OLD_BLOB))

    def test_the_last_line_without_a_newline(self):
        self.assertEqual(b'# ops\n',
                         authorized_keys.remove(b'# ops\n' + OLD, OLD_BLOB))
        self.assertEqual(b'# ops\n' + OTHER, authorized_keys.remove(
            b'# ops\n' + OLD + b'\n' + OTHER, OLD_BLOB))

    def test_a_key_with_a_comment_that_is_not_utf8_goes_too(self):
        self.assertEqual(OTHER + b'\n', authorized_keys.remove(
            OLD + b' caf\xe9\n' + OTHER + b'\n', OLD_BLOB))

    def test_a_cert_authority_line_of_the_key_stays(self):
        text = b'cert-authority ' + OLD + b'\n' + OLD + b' me\n'
        self.assertEqual(b'cert-authority ' + OLD + b'\n',
                         authorized_keys.remove(text, OLD_BLOB))
        self.assertEqual(1, authorized_keys.count(text, OLD_BLOB))

    def test_a_file_without_the_key_is_unchanged(self):
        text = b'# ops\r\n' + OTHER + b'\n\xff' + NEW
        self.assertEqual(text, authorized_keys.remove(text, OLD_BLOB))
        self.assertEqual(b'', authorized_keys.remove(b'', OLD_BLOB))

    def test_only_the_key_itself_goes_not_one_alike(self):
        text = OLD + b'\n' + NEW + b'\n'
        self.assertEqual(NEW + b'\n', authorized_keys.remove(text, OLD_BLOB))
        self.assertEqual(OLD + b'\n', authorized_keys.remove(text, NEW_BLOB))
