"""The functional suite's own connections outlive a reset keep-alive.

CI failed once on a check between two commands: the pooled connection to
Nova had been idle as long as gunicorn keeps one open, the server closed it
as the check's GET went out, and the check died of "Connection reset by
peer". The server here resets every connection's second request, the same
failure on demand (after answering the version discovery).

openstacksdk 4.14, the floor, sends every request once more after a
connection failure whatever the settings say; 4.22 leaves it to
``connect_retries``, none by default, and CI failed there.
"""

from __future__ import annotations

import http.server
import json
import socket
import struct
import threading
from pathlib import Path

import fixtures

from tests.functional import cloud
from tests.unit import base


class _ResetsSecondRequest(http.server.BaseHTTPRequestHandler):
    """Answers a connection's first request, resets it on the second."""

    protocol_version = 'HTTP/1.1'

    def setup(self) -> None:
        super().setup()
        self.answered = 0

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self.answered:
            # Linger 0: closing sends RST, as a server closing an idle
            # connection does to a request that arrives on it.
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack('ii', 1, 0))
            self.request.close()
            self.close_connection = True
            return
        self.answered += 1
        if self.path.rstrip('/') == '/v2.1':  # version discovery
            body = json.dumps({'version': {
                'id': 'v2.1', 'status': 'CURRENT', 'min_version': '2.1',
                'version': '2.95', 'links': [{
                    'rel': 'self',
                    'href': f'http://{self.headers["Host"]}/v2.1/'}]}})
        else:
            body = json.dumps({'keypairs': []})
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # the reset connection's own end, on purpose


class ResetKeepAliveTest(base.TestCase):

    def setUp(self):
        super().setUp()
        server = _QuietServer(('127.0.0.1', 0), _ResetsSecondRequest)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        port = server.server_address[1]
        self.clouds_yaml = Path(self.useFixture(fixtures.TempDir()).path,
                                'clouds.yaml')
        self.clouds_yaml.write_text(
            'clouds:\n  flaky:\n    auth_type: none\n'
            f'    compute_endpoint_override: http://127.0.0.1:{port}/v2.1\n')

    def test_a_request_reset_on_a_kept_alive_connection_is_sent_again(self):
        log = self.useFixture(fixtures.FakeLogger(name='keystoneauth'))
        compute = cloud.connect(str(self.clouds_yaml), 'flaky').compute
        for _ in range(2):
            self.assertEqual(
                {'keypairs': []}, compute.get('/os-keypairs').json())
        # Each connection's second request was reset, and sent again.
        self.assertEqual(2, log.output.count('Connection reset by peer'),
                         log.output)
