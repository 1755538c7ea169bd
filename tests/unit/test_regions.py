"""keypairs_osc.regions: the regions of the catalog, the choice of them,
the proxy of each, and one request to each at once."""

from __future__ import annotations

import threading
from unittest import mock

from keystoneauth1 import access
from keystoneauth1.identity import access as ks_access_plugin
from keystoneauth1 import session as ks_session
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.fixture import v3 as v3_fixture
from openstack import connection as sdk_connection
from osc_lib import exceptions as osc_exceptions

from keypairs_osc import regions
from tests.unit import base
from tests.unit import fakes


def token_with(*compute_regions: str, interface: str = 'public'):
    """A real keystoneauth token whose catalog has compute in each region.
    """
    token = v3_fixture.Token()
    compute = token.add_service('compute', name='nova')
    for name in compute_regions:
        compute.add_endpoint(interface, f'http://{name.lower()}/v2.1',
                             region=name)
    identity = token.add_service('identity')
    identity.add_standard_endpoints(public='http://keystone/v3',
                                    region='RegionOne')
    return access.create(body=token)


class CatalogRegionsTest(base.TestCase):

    def test_the_compute_regions_of_the_catalog_each_once(self):
        auth_ref = token_with('RegionOne', 'RegionTwo', 'RegionOne')
        self.assertEqual(['RegionOne', 'RegionTwo'],
                         regions.catalog_regions(auth_ref, 'public'))

    def test_only_the_interface_in_use_counts(self):
        auth_ref = token_with('Hidden', interface='internal')
        self.assertEqual([], regions.catalog_regions(auth_ref, 'public'))
        self.assertEqual(['Hidden'],
                         regions.catalog_regions(auth_ref, 'internal'))

    def test_no_catalog_no_regions(self):
        self.assertEqual([], regions.catalog_regions(None, 'public'))


class ChooseTest(base.TestCase):
    KNOWN = ['RegionTwo', 'RegionOne', 'RegionThree']

    def test_region_names_in_the_order_given_each_once(self):
        self.assertEqual(['RegionTwo', 'RegionOne'], regions.choose(
            self.KNOWN, ['RegionTwo', 'RegionOne', 'RegionTwo'], False,
            'RegionOne'))

    def test_all_regions_current_first_then_by_name(self):
        self.assertEqual(['RegionTwo', 'RegionOne', 'RegionThree'],
                         regions.choose(self.KNOWN, None, True, 'RegionTwo'))

    def test_all_regions_when_the_current_is_not_in_the_catalog(self):
        self.assertEqual(['RegionOne', 'RegionThree', 'RegionTwo'],
                         regions.choose(self.KNOWN, None, True, None))

    def test_an_unknown_name_is_one_line_listing_the_known(self):
        error = self.assertRaises(regions.UnknownRegion, regions.choose,
                                  self.KNOWN, ['regiontwo'], False, None)
        self.assertEqual("unknown region 'regiontwo': the compute service "
                         'is in RegionOne, RegionThree, RegionTwo',
                         str(error))

    def test_a_catalog_without_compute_regions_is_said(self):
        error = self.assertRaises(regions.NoRegions, regions.choose, [],
                                  None, True, None)
        self.assertIn('no region for the compute service', str(error))


class ComputeInTest(base.TestCase):
    """The proxy of another region rides on the command's own session."""

    def setUp(self):
        super().setUp()
        auth = ks_access_plugin.AccessInfoPlugin(
            token_with('RegionOne', 'RegionTwo'),
            auth_url='http://keystone/v3')
        self.session = ks_session.Session(auth=auth)
        self.conn = sdk_connection.Connection(
            session=self.session, region_name='RegionOne',
            interface='public')

    def test_same_session_other_region_same_settings(self):
        proxy = regions.compute_in(self.conn, 'RegionTwo')
        self.assertIs(self.session, proxy.session)
        self.assertEqual('RegionTwo', proxy.region_name)
        self.assertEqual('public', proxy.interface)
        self.assertEqual('http://regiontwo/v2.1', proxy.get_endpoint())
        self.assertEqual('RegionOne', self.conn.compute.region_name)

    def test_the_current_region_keeps_its_own_proxy(self):
        manager_compute = mock.sentinel.compute
        found = regions.for_names(self.conn, manager_compute,
                                  token_with('RegionOne', 'RegionTwo'),
                                  None, True)
        self.assertEqual(['RegionOne', 'RegionTwo'],
                         [r.name for r in found])
        self.assertIs(manager_compute, found[0].compute)
        self.assertEqual('RegionTwo', found[1].compute.region_name)


class EachTest(base.TestCase):

    def region(self, name: str) -> regions.Region:
        return regions.Region(name, mock.Mock(name=name))

    def test_every_region_at_once(self):
        chosen = [self.region(n) for n in ('A', 'B', 'C')]
        barrier = threading.Barrier(3, timeout=10)

        def request(region):
            barrier.wait()  # only passes when all three run together
            return region.name.lower()

        outcomes = regions.each(chosen, request)
        self.assertEqual(['a', 'b', 'c'], [o.value for o in outcomes])
        self.assertTrue(all(o.ok for o in outcomes))

    def test_a_failing_region_does_not_hide_the_others(self):
        chosen = [self.region('A'), self.region('B')]
        refused = ks_exceptions.ConnectFailure('refused')

        def request(region):
            if region.name == 'B':
                raise refused
            return 'fine'

        first, second = regions.each(chosen, request)
        self.assertEqual('fine', first.value)
        self.assertIs(refused, second.failure)
        self.assertFalse(second.ok)

    def test_a_bug_is_not_taken_for_a_region_failure(self):
        def request(region):
            raise KeyError('bug')

        self.assertRaises(KeyError, regions.each, [self.region('A')],
                          request)

    def test_failure_line_names_the_region_subject_and_cause(self):
        outcome = regions.Outcome(self.region('RegionTwo'),
                                  failure=fakes.http_error(503, 'down'))
        self.assertEqual('region RegionTwo: key pairs: the compute service '
                         'failed: down (HTTP 503); try again later',
                         regions.failure_line(outcome, 'key pairs'))

    def test_a_command_error_keeps_its_own_subject(self):
        outcome = regions.Outcome(
            self.region('RegionTwo'),
            failure=osc_exceptions.CommandError("key pair 'k': differs"))
        self.assertEqual("region RegionTwo: key pair 'k': differs",
                         regions.failure_line(outcome, "key pair 'k'"))
