"""A delete whose answer was lost counts as done only when Nova then says
the key pair is not there: a check that fails too leaves it a failure."""

from __future__ import annotations

from keystoneauth1 import exceptions as ks_exceptions

from keypairs_osc import api
from tests.unit import base
from tests.unit import fakes


class CheckFailsTooTest(base.TestCase):

    def lost_then(self, **get) -> api.Deleted:
        proxy = base.compute_proxy()
        proxy.delete.return_value = fakes.response(502)
        proxy.get.configure_mock(**get)
        deleted = api.delete_confirmed(proxy, 'k')
        self.assertEqual(1, proxy.get.call_count)
        return deleted

    def test_the_check_answers_5xx_too(self):
        deleted = self.lost_then(return_value=fakes.response(503))
        self.assertEqual(502, deleted.failure.status_code)
        self.assertFalse(deleted.answered)

    def test_the_check_cannot_connect(self):
        deleted = self.lost_then(
            side_effect=ks_exceptions.ConnectFailure('refused'))
        self.assertEqual(502, deleted.failure.status_code)

    def test_the_check_is_refused(self):
        deleted = self.lost_then(return_value=fakes.response(403))
        self.assertEqual(502, deleted.failure.status_code)
