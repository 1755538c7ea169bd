"""A recording, fault-injecting HTTP proxy on loopback.

Sits between the ``openstack`` command and the real Keystone or Nova: it
records every request (method, path, headers, body) so tests can prove that
no secret crossed the network, and it can answer a chosen request with a
failure instead of, or after, passing it on. It can also present an older
Nova: one whose highest compute microversion is lower than the real one's.

The upstream may be any cloud (``http`` or ``https``, any host, port and
path, as DevStack serves Keystone under ``/identity``); the proxy itself
listens on plain HTTP on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import http.client
import http.server
import json
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable

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
#: The headers a client names the compute microversion it wants in.
_VERSION_HEADERS = ('openstack-api-version', 'x-openstack-nova-api-version')
#: Where Nova answers with version documents: its root and ``/v2.1``.
_VERSION_DOCUMENT = re.compile(r'^(?:/[^/?]+)*/v2\.1/?$|^(?:/[^/?]+)?/?$')


def origin_of(url: str) -> str:
    """'http://host:port/path' -> 'http://host:port'."""
    parts = urllib.parse.urlsplit(url)
    return f'{parts.scheme}://{parts.netloc}'


class Proxy:
    """``with Proxy(upstream_url) as p:`` serves on ``p.url``."""

    def __init__(self, upstream: str, slow_seconds: float = 6.0,
                 delay: float = 0.0):
        """``delay`` seconds are added to every round trip (a WAN)."""
        parts = urllib.parse.urlsplit(upstream)
        self.upstream_scheme = parts.scheme
        self.upstream_netloc = parts.netloc
        default_port = 443 if parts.scheme == 'https' else 80
        self.upstream = (parts.hostname or '127.0.0.1',
                         parts.port or default_port)
        self.delay = delay
        #: Replacements in answers, e.g. to point Keystone's catalog at
        #: another proxy, so clients find it as they would on a real cloud.
        self.rewrite: dict[bytes, bytes] = {}
        self.exchanges: list[Exchange] = []
        self.rule: FaultRule | None = None
        #: The highest compute microversion to present, as (2, 34), or None
        #: for the real one: above it, requests are answered 406 as Nova
        #: answers, and version documents are rewritten to say so.
        self.max_microversion: tuple[int, int] | None = None
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
        if self._above_cap(exchange.headers):
            self._answer(handler, 406, exchange, 'Version not supported')
            return
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
        if (self.max_microversion and handler.command == 'GET'
                and _VERSION_DOCUMENT.match(handler.path)):
            payload = self._capped_versions(payload)
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

    def _above_cap(self, headers: dict[str, str]) -> bool:
        if self.max_microversion is None:
            return False
        for key, value in headers.items():
            if key.lower() not in _VERSION_HEADERS:
                continue
            service, _, wanted = value.strip().rpartition(' ')
            if service not in ('', 'compute'):
                continue
            if wanted == 'latest':
                return False  # Nova answers its own highest: ours here
            major, _, minor = wanted.partition('.')
            return (int(major), int(minor or 0)) > self.max_microversion
        return False

    def _capped_versions(self, payload: bytes) -> bytes:
        """A compute version document that tops out at the cap."""
        try:
            document = json.loads(payload)
        except ValueError:
            return payload
        major, minor = self.max_microversion or (2, 1)
        cap = f'{major}.{minor}'
        versions = document.get('versions') or [document.get('version')]
        for version in versions:
            if isinstance(version, dict) and version.get('id') == 'v2.1':
                version['version'] = cap
        return json.dumps(document).encode()

    def _forward(self, handler, body):
        connection = (http.client.HTTPSConnection
                      if self.upstream_scheme == 'https'
                      else http.client.HTTPConnection)
        conn = connection(*self.upstream, timeout=60)
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() not in HOP_BY_HOP}
        # The upstream may route by host name, as a real cloud's front
        # does; its links then name it, and the rewrite names us instead.
        headers = {k: v for k, v in headers.items() if k.lower() != 'host'}
        headers['Host'] = self.upstream_netloc
        try:
            conn.request(handler.command, handler.path, body=body or None,
                         headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    @staticmethod
    def _answer(handler, status: int, exchange: Exchange,
                message: str = 'injected fault') -> None:
        exchange.status = status
        payload = json.dumps({'computeFault': {
            'code': status, 'message': message}}).encode()
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


def front_cloud(auth_url: str, endpoints: Iterable[str],
                delay: float = 0.0) -> tuple[Proxy, Proxy, list[Proxy]]:
    """Started proxies in front of a cloud: (keystone, nova, all of them).

    One proxy per origin (scheme, host and port) of the auth URL and of the
    catalog's ``endpoints``, the compute one first; DevStack serves them all
    from one origin, and then one proxy serves them all. Every answer names
    the proxies instead of the origins, so clients find Nova (and
    Keystone's own endpoints) exactly as they would on a real cloud; an
    endpoint override would change how they discover it.
    """
    endpoints = list(endpoints)
    by_origin: dict[str, Proxy] = {}
    for url in [auth_url, *endpoints]:
        origin = origin_of(url)
        if origin not in by_origin:
            by_origin[origin] = Proxy(origin, delay=delay).__enter__()
    rewrite = {}
    for origin, front in by_origin.items():
        # Followed by a path or the end of a JSON string: not a prefix of
        # another origin's port.
        for end in (b'/', b'"'):
            rewrite[origin.encode() + end] = front.url.encode() + end
    for front in by_origin.values():
        front.rewrite = rewrite
    keystone = by_origin[origin_of(auth_url)]
    nova = by_origin[origin_of(endpoints[0])] if endpoints else keystone
    return keystone, nova, list(by_origin.values())


def proxied(url: str, proxies: Iterable[Proxy]) -> str:
    """``url`` with its origin replaced by the proxy in front of it."""
    for front in proxies:
        origin = f'{front.upstream_scheme}://{front.upstream_netloc}'
        if origin_of(url) == origin:
            return front.url + url[len(origin):]
    raise ValueError(f'no proxy in front of {url}')
