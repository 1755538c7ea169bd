"""Each failure is explained in one line."""

from __future__ import annotations

from keystoneauth1 import exceptions as ks_exceptions
from osc_lib import exceptions as osc_exceptions

from keypairs_osc import errors
from keypairs_osc import microversion
from keypairs_osc import names
from keypairs_osc import problem
from keypairs_osc import securefile
from tests.unit import base
from tests.unit import fakes


class ExplainTest(base.TestCase):

    def test_http_answers(self):
        for status, message, expected in (
                (400, 'Keypair data is invalid', 'Keypair data is invalid '
                 '(HTTP 400)'),
                (401, 'The request you have made requires authentication.',
                 'authentication failed (HTTP 401); check your credentials'),
                (403, 'Quota exceeded, too many key pairs.',
                 'Quota exceeded, too many key pairs. (HTTP 403, quota)'),
                (403, "Policy doesn't allow it", "Policy doesn't allow it "
                 '(HTTP 403: forbidden)'),
                (404, 'Keypair k not found', 'Keypair k not found '
                 '(HTTP 404)'),
                (409, "Key pair 'k' already exists.", "Key pair 'k' already "
                 'exists. (HTTP 409)'),
                (503, 'Service Unavailable', 'the compute service failed: '
                 'Service Unavailable (HTTP 503); try again later')):
            self.assertEqual(expected,
                             errors.explain(fakes.http_error(status,
                                                             message)))

    def test_names_keep_their_spaces(self):
        error = self.assertRaises(names.InvalidName, names.check, '  lead',
                                  None)
        self.assertIn("'  lead'", errors.explain(error))
        self.assertIn("Key pair 'a  b' already exists. (HTTP 409)",
                      errors.explain(fakes.http_error(
                          409, "Key pair 'a  b' already exists.")))

    def test_details_over_several_lines_become_one(self):
        explained = errors.explain(fakes.http_error(
            409, "Key pair 'k' already exists.\nSee the log\r\n  for more"))
        self.assertEqual("Key pair 'k' already exists. See the log for more "
                         '(HTTP 409)', explained)

    def test_transport_failures(self):
        self.assertIn('timeout', errors.explain(
            ks_exceptions.ConnectTimeout('x')))
        self.assertIn('cannot connect', errors.explain(
            ks_exceptions.ConnectFailure('x')))
        self.assertIn('compute endpoint', errors.explain(
            ks_exceptions.EndpointNotFound('x')))

    def test_reported_names_the_subject_and_chains_the_cause(self):
        for cause, expected in (
                (fakes.http_error(404, 'Keypair k not found'),
                 "key pair 'k': Keypair k not found (HTTP 404)"),
                (microversion.MicroversionError('--type needs 2.2'),
                 "key pair 'k': --type needs 2.2"),
                # A problem that names its file needs no other subject.
                (securefile.FileProblem('f: permission denied'),
                 'f: permission denied')):
            def fail(cause=cause):
                with errors.reported("key pair 'k'"):
                    raise cause

            err = self.assertRaises(osc_exceptions.CommandError, fail)
            self.assertEqual(expected, str(err))
            self.assertIs(cause, err.__cause__)

    def test_a_problem_gets_the_subject_it_is_about(self):
        def fail():
            with errors.reported("key pair 'k'"), problem.about('public '
                                                                'key p'):
                raise securefile.FileProblem('not a key')

        err = self.assertRaises(osc_exceptions.CommandError, fail)
        self.assertEqual('public key p: not a key', str(err))

    def test_only_a_refused_connection_cannot_have_taken_effect(self):
        def failure(cause):
            try:
                try:
                    raise cause
                except OSError:
                    raise ks_exceptions.ConnectFailure('Unable to connect')
            except ks_exceptions.ConnectFailure as exc:
                return exc

        self.assertFalse(errors.is_ambiguous(failure(
            ConnectionRefusedError(111, 'Connection refused'))))
        self.assertTrue(errors.is_ambiguous(failure(
            ConnectionResetError(104, 'Connection reset by peer'))))
        self.assertTrue(errors.is_ambiguous(fakes.http_error(502, 'x')))
        self.assertFalse(errors.is_ambiguous(fakes.http_error(409, 'x')))

    def test_multi_line_messages_become_one_line(self):
        self.assertEqual('a b c', errors.explain(
            securefile.FileProblem('a\n b\n\nc')))

    def test_programming_errors_are_not_hidden(self):
        def fail():
            with errors.reported('x'):
                raise KeyError('bug')

        self.assertRaises(KeyError, fail)
