"""Unit tests for keypairs_osc.names: Nova's rules for key pair names."""

from __future__ import annotations


from keypairs_osc import names
from tests import base

VERSIONS = (None, '2.1', '2.10', '2.91', '2.92', '2.100', '2.latest')
WIDE_VERSIONS = ('2.92', '2.100', '2.latest')


class CheckTest(base.TestCase):

    def assertInvalid(self, name, version, *contains):
        error = self.assertRaises(names.InvalidName, names.check, name,
                                  version)
        self.assertNotIn('\n', str(error))
        for part in contains:
            self.assertIn(part, str(error))
        return str(error)

    def test_valid_names_at_every_version(self):
        for name in ('k', 'my-key', 'my_key', 'My Key 2', '0', 'a' * 255,
                     '-_-', 'two  spaces', 'UPPER lower 0123456789'):
            for version in VERSIONS:
                names.check(name, version)

    def test_empty(self):
        for version in VERSIONS:
            self.assertInvalid('', version, 'cannot be empty')

    def test_too_long(self):
        self.assertEqual(255, names.MAX_LENGTH)
        for version in VERSIONS:
            self.assertInvalid('a' * 256, version, '256 characters',
                               'at most 255')

    def test_leading_or_trailing_whitespace(self):
        for name in (' key', 'key ', ' key ', 'key\n', '\tkey', '   '):
            for version in VERSIONS:
                self.assertInvalid(name, version, 'whitespace')

    def test_at_and_dot_need_2_92(self):
        for name in ('me@host', 'key.old', 'a.b@c'):
            for version in (None, '2.1', '2.10', '2.91'):
                self.assertInvalid(name, version, "'@' or '.'", '2.92')
            for version in WIDE_VERSIONS:
                names.check(name, version)

    def test_needs_wide_names(self):
        self.assertTrue(names.needs_wide_names('me@host'))
        self.assertTrue(names.needs_wide_names('key.old'))
        self.assertFalse(names.needs_wide_names('plain-key'))
        self.assertFalse(names.needs_wide_names('key/old'))
        self.assertFalse(names.needs_wide_names(''))

    def test_other_characters_are_refused(self):
        for name in ('key/old', 'a:b', 'key!', 'tab\there', 'line\nbreak',
                     '\u043a\u043b\u044e\u0447', 'caf\u00e9', 'key\x00',
                     'a+b', '"quoted"', '\uff4b\uff45\uff59'):
            for version in VERSIONS:
                message = self.assertInvalid(name, version, 'is invalid',
                                             "'_' and '-'")
                self.assertIn(repr(name), message)

    def test_message_lists_at_and_dot_when_allowed(self):
        self.assertIn("'@' and '.'",
                      self.assertInvalid('key/old', '2.92'))
        self.assertNotIn("'@'", self.assertInvalid('key/old', '2.91'))

    def test_mixed_wide_and_invalid_characters(self):
        # '/' is invalid at any version; '@' alone is not the problem.
        self.assertInvalid('me@host/x', '2.91', 'is invalid')
        self.assertInvalid('me@host/x', '2.92', 'is invalid')
