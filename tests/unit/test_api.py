"""Requests: the microversion each one asks for, and list paging."""

from __future__ import annotations

from openstack import exceptions as sdk_exceptions

from keypairs_osc import api
from keypairs_osc import keys
from keypairs_osc import microversion
from keypairs_osc import names
from tests.unit import base
from tests.unit import fakes
from tests.unit import keymaker

#: Nova's answer when the server does not offer the microversion asked for.
NOT_ACCEPTABLE = {'computeFault': {'message': 'Version not supported',
                                   'code': 406}}


def _page(names_, next_marker=None):
    body = {'keypairs': [{'keypair': {'name': n, 'fingerprint': 'f',
                                      'public_key': 'k', 'type': 'ssh'}}
                         for n in names_]}
    if next_marker:
        body['keypairs_links'] = [
            {'rel': 'next',
             'href': f'http://nova/os-keypairs?limit=2&marker={next_marker}'}]
    return fakes.response(200, body)


def _answering(proxy, *responses) -> list:
    """Answer the list's GETs in turn; the markers they sent, as sent."""
    markers = []
    answers = iter(responses)

    def get(url, params, **kwargs):
        markers.append(params.get('marker'))
        return next(answers)

    proxy.get.side_effect = get
    return markers


class CreateRequestTest(base.TestCase):

    def created(self, proxy):
        proxy.post.return_value = fakes.response(
            201, {'keypair': {'name': 'k', 'fingerprint': 'f',
                              'public_key': 'ssh-ed25519 AAAA',
                              'type': 'x509', 'user_id': 'u'}})
        return proxy

    def test_type_is_sent_and_needs_2_2(self):
        proxy = self.created(base.compute_proxy())
        api.create(proxy, 'k', 'PEM', key_type='x509')
        kwargs = proxy.post.call_args.kwargs
        self.assertEqual('x509', kwargs['json']['keypair']['type'])
        self.assertEqual('2.10', kwargs['microversion'])

    def test_name_and_public_key_are_sent(self):
        proxy = self.created(base.compute_proxy())
        api.create(proxy, 'k', 'ssh-ed25519 AAAA me@host')
        self.assertEqual(
            {'name': 'k', 'public_key': 'ssh-ed25519 AAAA me@host'},
            proxy.post.call_args.kwargs['json']['keypair'])

    def test_user_id_is_sent(self):
        proxy = self.created(base.compute_proxy())
        api.create(proxy, 'k', 'key', user_id='u2')
        self.assertEqual('u2',
                         proxy.post.call_args.kwargs['json']['keypair'][
                             'user_id'])

    def test_names_with_dots_ask_for_2_92(self):
        proxy = self.created(base.compute_proxy())
        api.create(proxy, 'me@host.example', 'key')
        self.assertEqual('2.92', proxy.post.call_args.kwargs['microversion'])

    def test_names_with_dots_on_an_older_cloud_say_which_version(self):
        proxy = base.compute_proxy(high=(2, 90))
        proxy.post.return_value = fakes.response(
            406, {'computeFault': {'message': 'Version 2.92 is not '
                                   'supported by the API.', 'code': 406}})
        err = self.assertRaises(microversion.MicroversionError, api.create,
                                proxy, 'a.b', 'key')
        self.assertIn('2.92', str(err))
        self.assertIn('2.90', str(err))
        proxy.post.assert_called_once()

    def test_no_discovery_request_when_the_version_is_accepted(self):
        proxy = self.created(base.compute_proxy())
        api.create(proxy, 'k', 'key')
        proxy.get_endpoint_data.assert_not_called()

    def test_406_on_an_ancient_cloud_retries_at_a_version_it_offers(self):
        proxy = base.compute_proxy(high=(2, 5))
        proxy.post.side_effect = [
            fakes.response(406, {'computeFault': {'message': 'no',
                                                  'code': 406}}),
            self.created(base.compute_proxy()).post.return_value]
        api.create(proxy, 'k', 'key')
        versions = [c.kwargs['microversion']
                    for c in proxy.post.call_args_list]
        self.assertEqual(['2.10', '2.5'], versions)

    def test_a_range_learned_earlier_in_the_command_is_used(self):
        proxy = self.created(base.compute_proxy(high=(2, 5)))
        microversion.choose(proxy)  # an earlier 406
        api.create(proxy, 'k', 'key')
        self.assertEqual('2.5', proxy.post.call_args.kwargs['microversion'])
        proxy.post.assert_called_once()

    def test_a_406_at_a_pinned_version_is_not_retried(self):
        proxy = base.compute_proxy(pinned='2.50')
        proxy.post.return_value = fakes.response(
            406, {'computeFault': {'message': 'no', 'code': 406}})
        self.assertRaises(sdk_exceptions.HttpException, api.create, proxy,
                          'k', 'key')
        proxy.post.assert_called_once()
        proxy.get_endpoint_data.assert_not_called()

    def test_pinned_old_version_refuses_dotted_name_before_sending(self):
        proxy = base.compute_proxy(pinned='2.50')
        self.assertRaises(microversion.MicroversionError, api.create, proxy,
                          'a.b', 'key')
        proxy.post.assert_not_called()

    def test_bad_name_never_sent(self):
        proxy = base.compute_proxy()
        self.assertRaises(names.InvalidName, api.create, proxy, ' x', 'key')
        proxy.post.assert_not_called()


class PinnedVersionTest(base.TestCase):
    """A version pinned below what a request needs: refused, nothing sent,
    and the message names the option that needs more."""

    def assertRefused(self, pin, request, *args, **kwargs) -> str:
        proxy = base.compute_proxy(pinned=pin)
        error = self.assertRaises(microversion.MicroversionError, request,
                                  proxy, *args, **kwargs)
        for method in (proxy.post, proxy.get, proxy.delete):
            method.assert_not_called()
        return str(error)

    def test_another_users_key_pair_needs_2_10(self):
        for request, args in ((api.create, ('k', 'key')), (api.get, ('k',)),
                              (api.delete, ('k',)), (api.list_, ())):
            self.assertEqual(
                '--user needs compute API microversion 2.10 or later, but '
                '--os-compute-api-version is 2.9',
                self.assertRefused('2.9', request, *args, user_id='u2'))

    def test_type_needs_2_2(self):
        self.assertEqual(
            '--type needs compute API microversion 2.2 or later, but '
            '--os-compute-api-version is 2.1',
            self.assertRefused('2.1', api.create, 'k', 'key',
                               key_type='x509'))

    def test_paging_needs_2_35(self):
        self.assertEqual(
            '--limit/--marker needs compute API microversion 2.35 or later, '
            'but --os-compute-api-version is 2.34',
            self.assertRefused('2.34', api.list_, limit=1))

    def test_own_key_pairs_need_no_newer_version(self):
        proxy = base.compute_proxy(pinned='2.1')
        proxy.get.return_value = _page(['a'])
        self.assertEqual('2.1', api.list_(proxy)[0])
        self.assertEqual('2.1', proxy.get.call_args.kwargs['microversion'])


class GetDeleteRequestTest(base.TestCase):
    """Another user's key pair: user_id goes with the request, at 2.10."""

    def test_get_names_the_owner(self):
        proxy = base.compute_proxy()
        proxy.get.return_value = fakes.response(200, {'keypair': {
            'name': 'k', 'public_key': 'ssh-ed25519 AAAA', 'type': 'ssh'}})
        self.assertEqual('k', api.get(proxy, 'k', user_id='u2').name)
        kwargs = proxy.get.call_args.kwargs
        self.assertEqual({'user_id': 'u2'}, kwargs['params'])
        self.assertEqual('2.10', kwargs['microversion'])

    def test_delete_names_the_owner(self):
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(204)
        api.delete(proxy, 'k', user_id='u2')
        self.assertEqual('os-keypairs/k?user_id=u2',
                         proxy.delete.call_args.args[0])
        self.assertEqual('2.10', proxy.delete.call_args.kwargs['microversion'])

    def test_own_key_pairs_need_no_user_id(self):
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(204)
        api.delete(proxy, 'k')
        self.assertEqual('os-keypairs/k', proxy.delete.call_args.args[0])

    def test_names_with_dots_are_fetched_and_deleted_at_2_92(self):
        proxy = base.compute_proxy()
        proxy.get.return_value = fakes.response(200, {'keypair': {
            'name': 'me@host.example', 'public_key': 'ssh-ed25519 AAAA',
            'type': 'ssh'}})
        proxy.delete.return_value = fakes.response(204)
        api.get(proxy, 'me@host.example')
        api.delete(proxy, 'me@host.example')
        self.assertEqual('2.92', proxy.get.call_args.kwargs['microversion'])
        self.assertEqual('2.92',
                         proxy.delete.call_args.kwargs['microversion'])

    def test_get_on_an_ancient_cloud_retries_at_a_version_it_offers(self):
        proxy = base.compute_proxy(high=(2, 5))
        proxy.get.side_effect = [
            fakes.response(406, NOT_ACCEPTABLE),
            fakes.response(200, {'keypair': {
                'name': 'k', 'public_key': 'ssh-ed25519 AAAA',
                'type': 'ssh'}})]
        self.assertEqual('k', api.get(proxy, 'k').name)
        self.assertEqual(['2.10', '2.5'],
                         [c.kwargs['microversion']
                          for c in proxy.get.call_args_list])

    def test_delete_on_an_ancient_cloud_retries_at_a_version_it_offers(self):
        proxy = base.compute_proxy(high=(2, 5))
        proxy.delete.side_effect = [fakes.response(406, NOT_ACCEPTABLE),
                                    fakes.response(204)]
        api.delete(proxy, 'k')
        self.assertEqual(['2.10', '2.5'],
                         [c.kwargs['microversion']
                          for c in proxy.delete.call_args_list])


class ListRequestTest(base.TestCase):

    def test_follows_next_links_with_a_plain_marker(self):
        proxy = base.compute_proxy()
        proxy.get.side_effect = [_page(['a', 'b'], 'b'), _page(['c'])]
        version, found = api.list_(proxy, limit=2)
        self.assertEqual('2.35', version)
        self.assertEqual(['a', 'b', 'c'], [k.name for k in found])
        second = proxy.get.call_args_list[1].kwargs['params']
        self.assertEqual({'limit': 2, 'marker': 'b'}, second)

    def test_a_marker_deleted_between_pages_goes_on_from_an_earlier_one(self):
        # Another client deletes 'b' after the first page: Nova refuses it
        # as a marker (400), and the list goes on from 'a' without repeats.
        proxy = base.compute_proxy()
        gone = fakes.response(400, {'badRequest': {
            'message': 'Marker b could not be found.', 'code': 400}})
        markers = _answering(proxy, _page(['a', 'b'], 'b'), gone,
                             _page(['c', 'd'], 'd'), _page([]))
        _, found = api.list_(proxy, limit=2)
        self.assertEqual(['a', 'b', 'c', 'd'], [k.name for k in found])
        self.assertEqual([None, 'b', 'a', 'd'], markers)

    def test_every_earlier_marker_gone_starts_again_from_the_callers(self):
        proxy = base.compute_proxy()
        gone = fakes.response(400, {'badRequest': {
            'message': 'Marker could not be found.', 'code': 400}})
        markers = _answering(proxy, _page(['b', 'c'], 'c'), gone, gone,
                             _page(['d']))
        _, found = api.list_(proxy, limit=2, marker='a')
        self.assertEqual(['b', 'c', 'd'], [k.name for k in found])
        self.assertEqual(['a', 'c', 'b', 'a'], markers)

    def test_every_marker_gone_without_one_of_the_callers_starts_over(self):
        proxy = base.compute_proxy()
        gone = fakes.response(400, {'badRequest': {
            'message': 'Marker could not be found.', 'code': 400}})
        markers = _answering(proxy, _page(['a', 'b'], 'b'), gone, gone,
                             _page(['a', 'c']))
        _, found = api.list_(proxy, limit=2)
        self.assertEqual(['a', 'b', 'c'], [k.name for k in found])
        self.assertEqual([None, 'b', 'a', None], markers)
        self.assertNotIn('marker',
                         proxy.get.call_args_list[-1].kwargs['params'])

    def test_goes_on_from_the_last_of_a_page_then_from_those_before(self):
        proxy = base.compute_proxy()
        gone = fakes.response(400, {'badRequest': {
            'message': 'Marker could not be found.', 'code': 400}})
        markers = _answering(proxy, _page(['a', 'b', 'c'], 'c'), gone, gone,
                             _page(['c', 'd']))
        _, found = api.list_(proxy, limit=3)
        self.assertEqual(['a', 'b', 'c', 'd'], [k.name for k in found])
        self.assertEqual([None, 'c', 'b', 'a'], markers)

    def test_an_answer_without_key_pairs_lists_none(self):
        proxy = base.compute_proxy()
        proxy.get.return_value = fakes.response(200, {})
        self.assertEqual([], api.list_(proxy)[1])

    def test_on_an_ancient_cloud_retries_at_a_version_it_offers(self):
        proxy = base.compute_proxy(high=(2, 5))
        proxy.get.side_effect = [fakes.response(406, NOT_ACCEPTABLE),
                                 _page(['a'])]
        version, found = api.list_(proxy)
        self.assertEqual(('2.5', ['a']), (version, [k.name for k in found]))
        self.assertEqual(['2.10', '2.5'],
                         [c.kwargs['microversion']
                          for c in proxy.get.call_args_list])

    def test_max_items_stops_early(self):
        proxy = base.compute_proxy()
        proxy.get.side_effect = [_page(['a', 'b'], 'b'), _page(['c'])]
        _, found = api.list_(proxy, limit=2, max_items=2)
        self.assertEqual(['a', 'b'], [k.name for k in found])
        self.assertEqual(1, proxy.get.call_count)

    def test_max_items_smaller_than_the_page_cuts_the_page(self):
        proxy = base.compute_proxy()
        proxy.get.return_value = _page(['a', 'b', 'c'])
        _, found = api.list_(proxy, limit=3, max_items=2)
        self.assertEqual(['a', 'b'], [k.name for k in found])

    def test_max_items_without_a_limit_is_honoured(self):
        proxy = base.compute_proxy()
        proxy.get.return_value = _page(['a', 'b', 'c'])
        _, found = api.list_(proxy, max_items=1)
        self.assertEqual(['a'], [k.name for k in found])

    def test_one_request_without_paging(self):
        proxy = base.compute_proxy()
        proxy.get.return_value = _page(['a'])
        api.list_(proxy, user_id='u')
        proxy.get.assert_called_once_with(
            '/os-keypairs', params={'user_id': 'u'}, microversion='2.10',
            raise_exc=False)

    def test_errors_become_sdk_exceptions(self):
        proxy = base.compute_proxy()
        proxy.get.return_value = fakes.response(
            400, {'badRequest': {'message': 'Marker x could not be found.',
                                 'code': 400}})
        exc = self.assertRaises(sdk_exceptions.BadRequestException,
                                api.list_, proxy, marker='x')
        self.assertIn('Marker x', str(exc.details))


def _keypair_body(name, public_key, key_type='ssh'):
    return {'keypair': {'name': name, 'public_key': public_key,
                        'type': key_type, 'fingerprint': 'f'}}


class RecoveredCreateTest(base.TestCase):
    """A create whose answer was lost: Nova is asked whether it made it."""

    def setUp(self):
        super().setUp()
        self.proxy = base.compute_proxy()
        self.line = keymaker.openssh(keymaker.key('ed25519'))
        self.key = keys.describe_stored(self.line)
        self.proxy.post.return_value = fakes.response(
            502, {'computeFault': {'message': 'Bad Gateway', 'code': 502}})

    def test_made_despite_the_error_is_kept(self):
        self.proxy.get.return_value = fakes.response(
            200, _keypair_body('k', self.line))
        created = api.create_or_recover(self.proxy, 'k', self.line, self.key,
                                        user_id='u2')
        self.assertEqual('k', created.keypair.name)
        self.assertIsInstance(created.despite, sdk_exceptions.HttpException)
        self.assertEqual(502, created.despite.status_code)
        # Asked about the same user's key pair, once.
        self.proxy.get.assert_called_once()
        self.assertEqual({'user_id': 'u2'},
                         self.proxy.get.call_args.kwargs['params'])

    def test_a_certificate_made_despite_the_error_is_kept(self):
        pem = keymaker.certificate(keymaker.key('rsa', 2048))
        key = keys.parse_public_key(pem, 'x509').info
        self.proxy.get.return_value = fakes.response(
            200, _keypair_body('k', pem, 'x509'))
        created = api.create_or_recover(self.proxy, 'k', pem, key,
                                        key_type='x509')
        self.assertEqual('x509', created.keypair.type)
        self.assertIsNotNone(created.despite)

    def test_another_key_under_the_name_is_not_ours(self):
        other = keymaker.openssh(keymaker.key('rsa', 2048))
        self.proxy.get.return_value = fakes.response(
            200, _keypair_body('k', other))
        error = self.assertRaises(sdk_exceptions.HttpException,
                                  api.create_or_recover, self.proxy, 'k',
                                  self.line, self.key)
        self.assertEqual(502, error.status_code)

    def test_not_made_is_the_original_failure(self):
        self.proxy.get.return_value = fakes.response(404)
        error = self.assertRaises(sdk_exceptions.HttpException,
                                  api.create_or_recover, self.proxy, 'k',
                                  self.line, self.key)
        self.assertEqual(502, error.status_code)

    def test_a_failed_check_says_to_look_and_delete(self):
        self.proxy.get.return_value = fakes.response(
            500, {'computeFault': {'message': 'Down', 'code': 500}})
        error = self.assertRaises(api.Unconfirmed, api.create_or_recover,
                                  self.proxy, 'k', self.line, self.key)
        self.assertEqual(
            'the compute service failed: Bad Gateway (HTTP 502); try again '
            'later; could not check whether the key pair was created (the '
            'compute service failed: Down (HTTP 500); try again later); '
            'check with "openstack keypair show k" and delete it if it '
            'exists', str(error))

    def test_a_clear_refusal_is_not_checked(self):
        self.proxy.post.return_value = fakes.response(
            409, {'conflictingRequest': {'message': 'exists', 'code': 409}})
        self.assertRaises(sdk_exceptions.ConflictException,
                          api.create_or_recover, self.proxy, 'k', self.line,
                          self.key)
        self.proxy.get.assert_not_called()


class ConfirmedDeleteTest(base.TestCase):
    """A delete whose answer was lost is checked, at the request level."""

    def test_a_lost_answer_then_gone_is_deleted_but_not_answered(self):
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(502)
        proxy.get.return_value = fakes.response(404)
        deleted = api.delete_confirmed(proxy, 'k')
        self.assertEqual(('k', None, False),
                         (deleted.name, deleted.failure, deleted.answered))
        self.assertEqual(1, proxy.get.call_count)

    def test_another_users_key_pair_is_checked_for_that_user(self):
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(502)
        proxy.get.return_value = fakes.response(404)
        deleted = api.delete_confirmed(proxy, 'k', user_id='u2')
        self.assertIsNone(deleted.failure)
        self.assertEqual({'user_id': 'u2'},
                         proxy.get.call_args.kwargs['params'])

    def test_a_lost_answer_and_still_there_is_the_failure(self):
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(502)
        proxy.get.return_value = fakes.response(
            200, _keypair_body('k', 'ssh-ed25519 AAAA'))
        deleted = api.delete_confirmed(proxy, 'k')
        self.assertEqual(502, deleted.failure.status_code)
        self.assertFalse(deleted.answered)

    def test_deleted_as_answered(self):
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(204)
        self.assertEqual(api.Deleted('k', answered=True),
                         api.delete_confirmed(proxy, 'k'))

    def test_a_clear_refusal_is_the_failure_without_a_check(self):
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(409)
        deleted = api.delete_confirmed(proxy, 'k')
        self.assertIsInstance(deleted.failure,
                              sdk_exceptions.ConflictException)
        proxy.get.assert_not_called()

    def test_missing_counts_as_deleted_only_when_asked(self):
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(404)
        self.assertEqual(api.Deleted('k'), api.delete_confirmed(
            proxy, 'k', ignore_missing=True))
        self.assertIsNotNone(api.delete_confirmed(proxy, 'k').failure)
        proxy.get.assert_not_called()
