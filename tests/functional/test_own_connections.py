"""The suite's own checks send a request again when its connection fails.

CI failed once on a check between two commands: the check's pooled
connection to Nova had been idle as long as gunicorn keeps one open, the
server closed it as the check's GET went out, and the check died of
"Connection reset by peer". Here the recording proxy drops the check's
request instead: the same failure, on demand. openstacksdk 4.14 sent every
request once more on its own; 4.22 leaves it to ``connect_retries``,
which ``cloud.connect`` sets.
"""

from __future__ import annotations

from tests.functional import base
from tests.functional import cloud
from tools import loopback_proxy as proxy


class OwnConnectionTest(base.FunctionalTestCase):

    def test_a_check_whose_connection_drops_is_sent_again(self):
        name = self.unique_name()
        self.openstack('keypair', 'create', name,
                       '--private-key', self.path('id'))
        path = f'/os-keypairs/{name}'
        self.nova_proxy.rule = proxy.once('GET', path, 'drop')
        conn = cloud.connect(self.clouds_yaml, cloud.USER)
        self.assertEqual(name, conn.compute.get_keypair(name).name)
        self.assertEqual(
            [('drop', None), (None, 200)],
            [(exchange.fault, exchange.status)
             for exchange in self.nova_proxy.exchanges
             if exchange.method == 'GET' and exchange.path.endswith(path)])
