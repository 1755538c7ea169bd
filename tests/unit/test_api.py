"""Requests: the microversion each one asks for, and list paging."""

from __future__ import annotations

from openstack import exceptions as sdk_exceptions

from keypairs_osc import api
from keypairs_osc import microversion
from keypairs_osc import names
from tests.unit import base
from tests.unit import fakes


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


class ConfirmedDeleteTest(base.TestCase):
    """A delete whose answer was lost is checked, at the request level."""

    def test_a_lost_answer_then_gone_is_deleted_but_not_answered(self):
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(502)
        proxy.get.return_value = fakes.response(404)
        deleted = api.delete_confirmed(proxy, 'k')
        self.assertEqual((None, False), (deleted.failure, deleted.answered))
        self.assertEqual(1, proxy.get.call_count)

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
        self.assertIsNone(api.delete_confirmed(
            proxy, 'k', ignore_missing=True).failure)
        self.assertIsNotNone(api.delete_confirmed(proxy, 'k').failure)
        proxy.get.assert_not_called()
