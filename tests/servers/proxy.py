"""A forwarding HTTP proxy on 127.0.0.1 that sends every request, whatever host it names, to one local server.

A client given `HTTP_PROXY=http://127.0.0.1:PORT` asks it for `http://<bucket>.s3.fr-par.scw.cloud/key`: the
proxy forwards the request, Host header unchanged, to the local server's port, and relays the answer. That is
how a cloud's own endpoint form (a host name the test machine cannot resolve, virtual-hosted-style) reaches a
local emulator without any change to the client's configuration. Plain HTTP only (no CONNECT): the local
servers have no TLS.
"""
from __future__ import annotations

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from servers.process import LOOPBACK

# Hop-by-hop headers (RFC 9110 7.6.1), and Expect: this proxy answered the 100-continue itself.
_HOP = frozenset(("connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer",
                  "transfer-encoding", "upgrade", "expect"))
_CHUNK = 1 << 16


class ForwardingProxy:
    """The proxy, in a thread of this process; `hosts` records the Host of every request it forwarded."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.hosts: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((LOOPBACK, 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="forwarding-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def start(self) -> ForwardingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _seen(self, host: str) -> None:
        with self._lock:
            self.hosts.append(host)


def _handler(proxy: ForwardingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, and 100-continue answered by parse_request

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # the test asserts on `hosts`; a line per request on stderr would only be noise

        def _forward(self) -> None:
            split = urllib.parse.urlsplit(self.path)
            # A proxy receives the absolute form (http://host/path?query); the server wants the origin form.
            target = (split.path or "/") + (f"?{split.query}" if split.query else "") if split.scheme else self.path
            proxy._seen(self.headers.get("Host", ""))
            upstream = http.client.HTTPConnection(LOOPBACK, proxy.upstream_port, timeout=300)
            try:
                upstream.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in _HOP:
                        upstream.putheader(name, value)
                chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
                if chunked:
                    upstream.putheader("Transfer-Encoding", "chunked")
                upstream.endheaders()
                if chunked:
                    self._relay_chunked(upstream)
                else:
                    self._relay(upstream, int(self.headers.get("Content-Length") or 0))
                response = upstream.getresponse()
                self.send_response_only(response.status, response.reason)
                length = response.getheader("Content-Length")
                for name, value in response.getheaders():
                    if name.lower() not in _HOP:
                        self.send_header(name, value)
                body = self.command != "HEAD" and response.status not in (204, 304) and response.status >= 200
                if body and length is None:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while body:
                    data = response.read(_CHUNK)
                    if length is None:
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    elif data:
                        self.wfile.write(data)
                    if not data:
                        break
                self.wfile.flush()
            except (OSError, http.client.HTTPException) as exc:
                self.close_connection = True
                try:
                    self.send_error(502, f"forwarding failed: {exc}")
                except OSError:
                    pass
            finally:
                upstream.close()

        def _relay(self, upstream: http.client.HTTPConnection, length: int) -> None:
            while length > 0:
                data = self.rfile.read(min(_CHUNK, length))
                if not data:
                    raise OSError("the client closed the connection mid-body")
                upstream.send(data)
                length -= len(data)

        def _relay_chunked(self, upstream: http.client.HTTPConnection) -> None:
            while True:
                line = self.rfile.readline()
                upstream.send(line)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (trailer := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
                        upstream.send(trailer)
                    upstream.send(b"\r\n")
                    return
                self._relay(upstream, size + 2)  # the chunk and its CRLF

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_OPTIONS = _forward

    return Handler
