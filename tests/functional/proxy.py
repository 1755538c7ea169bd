"""A recording, fault-injecting HTTP proxy on loopback.

Sits between the ``openstack`` command and the real Keystone or Nova: it
records every request (method, path, headers, body) so tests can prove that
no secret crossed the network, and it can answer a chosen request with a
failure instead of, or after, passing it on.
"""

from __future__ import annotations

import dataclasses
import http.client
import http.server
import socket
import threading
import time
from collections.abc import Callable

HOP_BY_HOP = {'connection', 'keep-alive', 'transfer-encoding', 'te',
              'trailer', 'upgrade', 'proxy-authorization',
              'proxy-authenticate'}

#: What a fault rule may ask for.
FAULTS = (
    'error-500',          # answer 500 without passing the request on
    'error-503',          # answer 503 without passing the request on
    'drop',               # close the connection without passing it on
    'slow',               # wait past the client's timeout, pass nothing on
    'commit-then-500',    # pass it on (Nova acts), then answer 500
    'commit-then-drop',   # pass it on (Nova acts), then close the connection
)


@dataclasses.dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None
    fault: str | None = None


FaultRule = Callable[[str, str], 'str | None']


class Proxy:
    """``with Proxy(upstream_port) as p:`` serves on ``p.url``."""

    def __init__(self, upstream_port: int, upstream_host: str = '127.0.0.1',
                 slow_seconds: float = 6.0, delay: float = 0.0):
        """``delay`` seconds are added to every round trip (a WAN)."""
        self.upstream = (upstream_host, upstream_port)
        self.delay = delay
        #: Replacements in answers, e.g. to point Keystone's catalog at
        #: another proxy, so clients find it as they would on a real cloud.
        self.rewrite: dict[bytes, bytes] = {}
        self.exchanges: list[Exchange] = []
        self.rule: FaultRule | None = None
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                proxy._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle
            do_HEAD = _handle

        self._server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                       Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f'http://127.0.0.1:{self.port}'
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)

    def __enter__(self) -> Proxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def traffic(self) -> bytes:
        """Everything sent through the proxy, as one searchable blob."""
        with self._lock:
            parts = []
            for ex in self.exchanges:
                parts.append(f'{ex.method} {ex.path}\n'.encode())
                parts += [f'{k}: {v}\n'.encode()
                          for k, v in ex.headers.items()]
                parts.append(ex.body)
            return b'\n'.join(parts)

    # -- serving -------------------------------------------------------------

    def _serve(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length) if length else b''
        if self.delay:
            time.sleep(self.delay)
        exchange = Exchange(handler.command, handler.path,
                            dict(handler.headers.items()), body)
        fault = self.rule(handler.command, handler.path) if self.rule else None
        exchange.fault = fault
        with self._lock:
            self.exchanges.append(exchange)
        if fault in ('error-500', 'error-503'):
            self._answer(handler, int(fault[-3:]), exchange)
            return
        if fault == 'drop':
            self._drop(handler)
            return
        if fault == 'slow':
            time.sleep(self.slow_seconds)
            self._drop(handler)
            return
        status, headers, payload = self._forward(handler, body)
        for old, new in self.rewrite.items():
            payload = payload.replace(old, new)
        exchange.status = status
        if fault == 'commit-then-500':
            self._answer(handler, 500, exchange)
            return
        if fault == 'commit-then-drop':
            self._drop(handler)
            return
        handler.send_response(status)
        for key, value in headers:
            if key.lower() not in HOP_BY_HOP | {'content-length'}:
                handler.send_header(key, value)
        handler.send_header('Content-Length', str(len(payload)))
        handler.end_headers()
        if handler.command != 'HEAD':
            handler.wfile.write(payload)

    def _forward(self, handler, body):
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() not in HOP_BY_HOP}
        try:
            conn.request(handler.command, handler.path, body=body or None,
                         headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    @staticmethod
    def _answer(handler, status: int, exchange: Exchange) -> None:
        exchange.status = status
        payload = (b'{"computeFault": {"code": %d, "message": '
                   b'"injected fault"}}' % status)
        handler.send_response(status)
        handler.send_header('Content-Type', 'application/json')
        handler.send_header('Content-Length', str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    @staticmethod
    def _drop(handler) -> None:
        handler.close_connection = True
        try:
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def once(method: str, path_part: str, fault: str) -> FaultRule:
    """A rule that injects ``fault`` into the first matching request."""
    fired = threading.Event()

    def rule(request_method: str, path: str) -> str | None:
        if (request_method == method and path_part in path
                and not fired.is_set()):
            fired.set()
            return fault
        return None

    return rule


def every(method: str, path_part: str, fault: str,
          when: Callable[[str], bool] = lambda path: True) -> FaultRule:
    """A rule that injects ``fault`` into every matching request."""

    def rule(request_method: str, path: str) -> str | None:
        if request_method == method and path_part in path and when(path):
            return fault
        return None

    return rule


def port_of(url: str) -> int:
    return int(url.split('://', 1)[1].split('/', 1)[0].rsplit(':', 1)[1])


def front_cloud(auth_url: str, compute_url: str,
                delay: float = 0.0) -> tuple[Proxy, Proxy]:
    """Started proxies in front of Keystone and Nova, (keystone, nova).

    The catalog Keystone hands out names the proxies, so clients find Nova
    (and Keystone's own endpoints) exactly as they would on a real cloud;
    an endpoint override would change how they discover it.
    """
    keystone = Proxy(port_of(auth_url), delay=delay).__enter__()
    nova = Proxy(port_of(compute_url), delay=delay).__enter__()
    for upstream, front in ((compute_url, nova), (auth_url, keystone)):
        origin = f'http://127.0.0.1:{port_of(upstream)}'.encode()
        keystone.rewrite[origin] = front.url.encode()
    return keystone, nova
