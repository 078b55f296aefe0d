"""Slow clients (slowloris): connections that send a request header a byte at a time and
never finish it, and a timed probe of a URL while they are held. Used by bench.attack and
tests/core/test_proxy.py."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass


class SlowClients:
    """`count` connections to host:port, each trickling one header byte every `interval`
    seconds after its request line; a connection the server closes (or answers) is done."""

    def __init__(self, host: str, port: int, count: int, *, interval: float = 1.0) -> None:
        self.address, self.count, self.interval = (host, port), count, interval
        self.sockets: list[socket.socket] = []
        self.closed_at: dict[int, float] = {}  # index -> seconds after start
        self.started = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        self.started = time.monotonic()
        for _ in range(self.count):
            sock = socket.create_connection(self.address, timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            sock.setblocking(False)
            self.sockets.append(sock)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()

    def _trickle(self) -> None:
        while not self._stop.wait(self.interval):
            for index, sock in enumerate(self.sockets):
                if index in self.closed_at:
                    continue
                try:
                    if sock.recv(1, socket.MSG_PEEK) is not None:  # b"" or an answer: done
                        self.closed_at[index] = time.monotonic() - self.started
                        continue
                except BlockingIOError:
                    pass  # nothing from the server: still held open
                except OSError:
                    self.closed_at[index] = time.monotonic() - self.started
                    continue
                try:
                    sock.send(b"a")
                except OSError:
                    self.closed_at[index] = time.monotonic() - self.started

    @property
    def held(self) -> int:
        """Connections the server still holds open."""
        return self.count - len(self.closed_at)


@dataclass(frozen=True)
class Probe:
    status: int  # 0: no answer within the timeout
    seconds: float


def probe(url: str, *, method: str = "GET", timeout: float = 5.0) -> Probe:
    """One request to `url` (https with any certificate: ours is self-signed); its status
    and how long the answer took."""
    scheme, rest = url.split("://", 1)
    host_port, _, path = rest.partition("/")
    host, _, port = host_port.partition(":")
    if scheme == "https":
        context = ssl._create_unverified_context()  # our own throwaway certificate
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, int(port or 443), timeout=timeout, context=context
        )
    else:
        conn = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
    started = time.monotonic()
    try:
        conn.request(method, "/" + path)
        response = conn.getresponse()
        response.read()
        return Probe(response.status, time.monotonic() - started)
    except OSError:
        return Probe(0, time.monotonic() - started)
    finally:
        conn.close()
