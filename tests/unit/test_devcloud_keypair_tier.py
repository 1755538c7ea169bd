"""The devcloud's keypair tier: when it counts as running."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import fixtures
import testtools

from tools.devcloud import keypair_tier


class ServingTest(testtools.TestCase):
    """Only the regions the tier was asked for need to run."""

    def running(self, regions: int):
        names = {'keystone', *keypair_tier.region_novas(regions)}
        alive = {name: name in names
                 for name in keypair_tier.services(keypair_tier.MAX_REGIONS)}
        return mock.patch.object(type(keypair_tier.TIER), 'running',
                                 return_value=alive)

    def test_two_regions_serve_without_the_regions_not_asked_for(self):
        with self.running(2):
            self.assertTrue(keypair_tier.serving({'regions': 2}))

    def test_a_stopped_region_of_those_asked_for_is_not_serving(self):
        with self.running(1):
            self.assertFalse(keypair_tier.serving({'regions': 2}))

    def test_clouds_yaml_is_written_for_a_two_region_tier(self):
        # .ci/as-ordinary-user writes DevStack-named clouds this way; it
        # was refused while regions never asked for were stopped.
        output = Path(self.useFixture(fixtures.TempDir()).path) / 'c.yaml'
        state = {'regions': 2, 'passwords': {'admin': 'x'},
                 'ports': {'keystone': 1}}
        with self.running(2), \
                mock.patch.object(type(keypair_tier.TIER), 'load_state',
                                  return_value=state), \
                mock.patch.object(keypair_tier.identity, 'clouds_yaml_text',
                                  return_value='clouds: {}\n'):
            keypair_tier.write_clouds(output, 'devstack')
        self.assertEqual('clouds: {}\n', output.read_text())
