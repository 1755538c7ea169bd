"""keypair list --max-items, through the real requests: Nova's pages are
the spec'd proxy's answers, and the rows are what the user sees."""

from __future__ import annotations

from keypairs_osc.v1 import query
from tests.unit import base
from tests.unit import fakes


def page(*names: str, more: bool = True):
    """One page of Nova's listing; ``more``: with a link to the next."""
    body: dict = {'keypairs': [
        {'keypair': {'name': name, 'fingerprint': 'ff', 'public_key': 'k',
                     'type': 'ssh'}} for name in names]}
    if more:
        body['keypairs_links'] = [{
            'rel': 'next',
            'href': f'http://nova/os-keypairs?marker={names[-1]}'}]
    return fakes.response(200, body)


class MaxItemsTest(base.CommandTestCase):
    command_class = query.ListKeypair

    def listed(self, *argv: str, pages=()) -> list[str]:
        compute = self.app.client_manager.compute
        compute.get.side_effect = list(pages)
        _, rows = self.run_cmd(*argv)
        return [row[0] for row in rows]

    def gets(self) -> int:
        return self.app.client_manager.compute.get.call_count

    def test_a_page_larger_than_max_items_is_cut(self):
        self.assertEqual(['a', 'b'], self.listed(
            '--limit', '3', '--max-items', '2',
            pages=[page('a', 'b', 'c')]))
        self.assertEqual(1, self.gets())

    def test_max_items_without_a_page_size(self):
        self.assertEqual(['a'], self.listed(
            '--max-items', '1', pages=[page('a', 'b', more=False)]))

    def test_no_page_is_asked_for_beyond_max_items(self):
        self.assertEqual(['a', 'b', 'c'], self.listed(
            '--limit', '2', '--max-items', '3',
            pages=[page('a', 'b'), page('c', 'd'), page('e', 'f')]))
        self.assertEqual(2, self.gets())

    def test_a_full_page_of_max_items_is_the_last_asked_for(self):
        self.assertEqual(['a', 'b'], self.listed(
            '--limit', '2', '--max-items', '2',
            pages=[page('a', 'b'), page('c', 'd')]))
        self.assertEqual(1, self.gets())

    def test_without_max_items_every_page(self):
        self.assertEqual(['a', 'b', 'c', 'd', 'e'], self.listed(
            '--limit', '2',
            pages=[page('a', 'b'), page('c', 'd'), page('e', more=False)]))
        self.assertEqual(3, self.gets())
