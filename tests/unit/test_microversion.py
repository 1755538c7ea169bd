"""Unit tests for keypairs_osc.microversion: which version a request uses."""

from __future__ import annotations

from keypairs_osc import microversion
from tests.unit import base

PAGING = {'--limit': microversion.PAGING}
OTHER_USER = {'--user': microversion.OTHER_USER}
#: Short for the spec'd compute proxy the tests below build again and again.
compute = base.compute_proxy


class ChooseFromTheServerRangeTest(base.TestCase):

    def test_baseline_without_needs(self):
        self.assertEqual('2.10', microversion.BASELINE)
        self.assertEqual('2.10', microversion.choose(compute()))
        self.assertEqual('2.10', microversion.choose(compute(), {}))
        self.assertEqual('2.10', microversion.choose(compute(), None))

    def test_paging_needs_2_35(self):
        self.assertEqual('2.35', microversion.PAGING)
        self.assertEqual('2.35', microversion.choose(compute(), PAGING))

    def test_highest_need_wins(self):
        needs = {'--user': '2.10', '--limit': '2.35', '--type': '2.2'}
        self.assertEqual('2.35', microversion.choose(compute(), needs))

    def test_needs_below_baseline_keep_the_baseline(self):
        needs = {'--type': microversion.KEY_TYPE}
        self.assertEqual('2.10', microversion.choose(compute(), needs))

    def test_versions_compare_as_numbers(self):
        # '2.9' < '2.10' and '2.100' > '2.35', unlike strings.
        self.assertEqual('2.100',
                         microversion.choose(compute(), {'x': '2.100'}))
        self.assertEqual('2.10', microversion.choose(compute(), {'x': '2.9'}))

    def test_server_too_old_for_paging(self):
        error = self.assertRaises(microversion.MicroversionError,
                                  microversion.choose,
                                  compute(high=(2, 30)), PAGING)
        self.assertIn('--limit', str(error))
        self.assertIn('2.35', str(error))
        self.assertIn('2.30', str(error))
        self.assertNotIn('\n', str(error))

    def test_server_below_baseline_gets_its_maximum(self):
        self.assertEqual('2.5', microversion.choose(compute(high=(2, 5))))

    def test_server_minimum_above_baseline(self):
        self.assertEqual('2.20',
                         microversion.choose(compute(low=(2, 20))))

    def test_missing_minimum_means_2_1(self):
        self.assertEqual('2.5',
                         microversion.choose(compute(low=None, high=(2, 5))))
        self.assertEqual(((2, 1), (2, 90)),
                         microversion.server_range(compute(low=None,
                                                         high=(2, 90))))

    def test_exactly_the_server_maximum(self):
        self.assertEqual('2.35',
                         microversion.choose(compute(high=(2, 35)), PAGING))

    def test_asks_the_endpoint_once(self):
        fake = compute()
        microversion.choose(fake, PAGING)
        fake.get_endpoint_data.assert_called_once_with()


class ChoosePinnedTest(base.TestCase):

    def test_pinned_version_is_used_as_it_is(self):
        fake = compute(pinned='2.40')
        self.assertEqual('2.40', microversion.choose(fake, PAGING))
        self.assertEqual('2.40', microversion.choose(fake))
        fake.get_endpoint_data.assert_not_called()

    def test_pinned_below_baseline_without_needs(self):
        self.assertEqual('2.1', microversion.choose(compute(pinned='2.1')))

    def test_pinned_too_old_for_other_user(self):
        error = self.assertRaises(microversion.MicroversionError,
                                  microversion.choose, compute(pinned='2.1'),
                                  OTHER_USER)
        message = str(error)
        self.assertIn('--user', message)
        self.assertIn('2.10', message)
        self.assertIn('--os-compute-api-version is 2.1', message)
        self.assertNotIn('\n', message)

    def test_pinned_compares_as_numbers(self):
        self.assertRaises(microversion.MicroversionError,
                          microversion.choose, compute(pinned='2.9'),
                          OTHER_USER)
        self.assertEqual('2.100',
                         microversion.choose(compute(pinned='2.100'), PAGING))

    def test_pinned_too_old_for_paging(self):
        error = self.assertRaises(microversion.MicroversionError,
                                  microversion.choose, compute(pinned='2.34'),
                                  PAGING)
        self.assertIn('--limit needs compute API microversion 2.35',
                      str(error))

    def test_pinned_exactly_the_need(self):
        self.assertEqual('2.35',
                         microversion.choose(compute(pinned='2.35'), PAGING))

    def test_unparsable_pin_is_returned_as_it_is(self):
        fake = compute(pinned='2.latest')
        self.assertEqual('2.latest', microversion.choose(fake))
        self.assertEqual('2.latest', microversion.choose(fake, PAGING))
        fake.get_endpoint_data.assert_not_called()

    def test_empty_pin_means_no_pin(self):
        self.assertEqual('2.10', microversion.choose(compute(pinned='')))

    def test_proxy_without_default_microversion(self):
        fake = compute(high=(2, 90))
        del fake.default_microversion
        self.assertIsNone(microversion.pinned(fake))
        self.assertEqual('2.35', microversion.choose(fake, PAGING))


class ChooseWithoutMicroversionsTest(base.TestCase):

    def test_no_microversions_means_no_header(self):
        self.assertIsNone(microversion.choose(compute(low=None, high=None)))
        self.assertIsNone(microversion.choose(compute(offered=False)))
        self.assertIsNone(microversion.server_range(compute(offered=False)))

    def test_a_need_is_an_error(self):
        error = self.assertRaises(microversion.MicroversionError,
                                  microversion.choose,
                                  compute(low=None, high=None), PAGING)
        self.assertIn('--limit needs compute API microversion 2.35',
                      str(error))
        self.assertIn('no microversions', str(error))

    def test_the_highest_need_is_named(self):
        needs = {'--user': '2.10', '--limit': '2.35'}
        error = self.assertRaises(microversion.MicroversionError,
                                  microversion.choose, compute(offered=False),
                                  needs)
        self.assertIn('--limit', str(error))


class HelpersTest(base.TestCase):

    def test_versions_read_and_print_as_keystoneauth_does(self):
        self.assertTrue(microversion.supports('2', '2.0'))
        self.assertFalse(microversion.supports('2', '2.1'))
        self.assertTrue(microversion.supports('latest', '2.92'))
        self.assertEqual('2.100', microversion.choose(compute(high=(2, 100)),
                                                      {'x': '2.100'}))

    def test_first_choice_asks_nothing_until_a_406_taught_the_range(self):
        fake = compute(high=(2, 30))
        self.assertEqual('2.35', microversion.first_choice(fake, PAGING))
        fake.get_endpoint_data.assert_not_called()
        self.assertIsNone(microversion.beyond_learned(fake, '2.83'))
        microversion.choose(fake)  # as after a 406
        self.assertEqual('2.30', microversion.beyond_learned(fake, '2.83'))
        self.assertIsNone(microversion.beyond_learned(fake, '2.30'))
        self.assertRaises(microversion.MicroversionError,
                          microversion.first_choice, fake, PAGING)

    def test_server_range_keeps_major_and_minor(self):
        self.assertEqual(((2, 1), (2, 104)),
                         microversion.server_range(compute()))

    def test_supports(self):
        self.assertTrue(microversion.supports('2.92', '2.92'))
        self.assertTrue(microversion.supports('2.100', '2.92'))
        self.assertFalse(microversion.supports('2.91', '2.92'))
        self.assertFalse(microversion.supports('2.9', '2.35'))
        self.assertFalse(microversion.supports(None, '2.2'))
        self.assertTrue(microversion.supports('2.latest', '2.92'))

    def test_feature_versions(self):
        self.assertEqual(
            ('2.10', '2.2', '2.10', '2.35', '2.92'),
            (microversion.BASELINE, microversion.KEY_TYPE,
             microversion.OTHER_USER, microversion.PAGING,
             microversion.WIDE_NAMES))
