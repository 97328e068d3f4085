"""Sending one webhook POST without letting a receiver URL reach what it must not.

    resolve the host once -> every address allowed? (`rules.check_ip`; one refused address
    refuses the URL: a name that answers both public and private addresses is a rebinding
    trick) -> connect to that address, pinned (the TLS handshake still checks the
    certificate against the host name, and `Host` names it) -> no redirects, no retries
    here (Pub/Sub retries), a total timeout -> read at most `RESPONSE_PEEK_BYTES` of the
    answer, never store it.

Pinning is what makes the check hold: resolving again at connect time (what a plain HTTP
client does) would let DNS answer a public address to the check and a private one to the
connection.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import urllib3

from shared.webhooks.rules import Attempt, OutboundPolicy, Refused, check_ip

RESPONSE_PEEK_BYTES = 1024
Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class WebhookTransport:
    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        timeout: float,
        max_body_bytes: int,
        resolver: Resolver = resolve,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policy = policy
        self._timeout = timeout
        self._max_body = max_body_bytes
        self._resolve = resolver
        self._clock = clock

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Attempt:
        started = self._clock()
        try:
            status = self._send(url, body, headers)
        except _Failed as failure:
            latency = (self._clock() - started) * 1000
            return Attempt(False, failure.status, str(failure), latency, refused=failure.refused)
        latency = (self._clock() - started) * 1000
        if 200 <= status < 300:
            return Attempt(True, status, None, latency)
        reason = ": redirects are not followed" if 300 <= status < 400 else ""
        return Attempt(False, status, f"HTTP {status}{reason}", latency)

    def _send(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        if len(body) > self._max_body:
            raise _Failed(f"body of {len(body)} bytes exceeds {self._max_body}", refused=True)
        parts = urlsplit(url)
        if parts.scheme not in self._policy.schemes:
            raise _Failed(f"scheme {parts.scheme} refused", refused=True)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise _Failed(f"could not resolve the host: {type(exc).__name__}") from exc
        try:
            if not addresses:
                raise Refused("the host resolved to no address")
            for address in addresses:
                check_ip(address, self._policy)
        except Refused as exc:
            raise _Failed(f"refused: {exc}", refused=True) from exc
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = host if parts.port is None else f"{host}:{parts.port}"
        pool = self._pool(parts.scheme, addresses[0], port, host)
        try:
            response = pool.urlopen(
                "POST",
                path,
                body=body,
                headers={**headers, "Host": host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                response.read(RESPONSE_PEEK_BYTES)  # let the receiver finish; never kept
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise _Failed(f"no answer: {type(exc).__name__}") from exc
        finally:
            pool.close()
        return int(response.status)

    def _pool(self, scheme: str, address: str, port: int, host: str) -> urllib3.HTTPConnectionPool:
        timeout = urllib3.Timeout(total=self._timeout)
        if scheme == "https":
            return urllib3.HTTPSConnectionPool(
                address,
                port,
                timeout=timeout,
                maxsize=1,
                server_hostname=host,
                assert_hostname=host,
                cert_reqs="CERT_REQUIRED",
            )
        return urllib3.HTTPConnectionPool(address, port, timeout=timeout, maxsize=1)


class _Failed(Exception):
    def __init__(self, reason: str, *, refused: bool = False, status: int | None = None) -> None:
        super().__init__(reason)
        self.refused = refused
        self.status = status
