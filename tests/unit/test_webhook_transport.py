"""The webhook transport against real local HTTP servers: in production mode a name that
resolves to a loopback or private address is refused before any connection (DNS
rebinding included), the connection goes to the address that was checked (pinned), and
redirects, slow receivers and oversized bodies fail the attempt instead of following,
hanging or sending."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.webhooks.rules import OutboundPolicy
from shared.webhooks.transport import WebhookTransport

PRODUCTION = OutboundPolicy(private_ok=False)
DEVELOPMENT = OutboundPolicy(private_ok=True)


class Server:
    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.answer = 204
        self.delay = 0.0
        self.location = ""


@pytest.fixture
def server() -> Iterator[tuple[Server, int]]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.seen.append({k.lower(): v for k, v in self.headers.items()})
            time.sleep(state.delay)
            self.send_response(state.answer)
            if state.location:
                self.send_header("Location", state.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state, httpd.server_port
    httpd.shutdown()
    httpd.server_close()


def transport(policy: OutboundPolicy, answers: dict[str, list[str]], **kwargs: Any):
    return WebhookTransport(
        policy,
        timeout=kwargs.pop("timeout", 5.0),
        max_body_bytes=kwargs.pop("max_body_bytes", 1024),
        resolver=lambda host, _port: answers[host],
    )


def test_production_refuses_a_name_resolving_to_loopback_and_never_connects(server):
    state, port = server
    for answers in (["127.0.0.1"], ["93.184.216.34", "127.0.0.1"], ["10.0.0.5"], ["::1"]):
        attempt = transport(PRODUCTION, {"hooks.example.com": answers}).post(
            f"https://hooks.example.com:{port}/hook", b"{}", {}
        )
        assert not attempt.ok
        assert attempt.refused, answers
        assert attempt.error.startswith("refused: ")
    assert state.seen == []


def test_production_refuses_plain_http_whatever_the_address(server):
    state, port = server
    attempt = transport(PRODUCTION, {"hooks.example.com": ["93.184.216.34"]}).post(
        f"http://hooks.example.com:{port}/hook", b"{}", {}
    )
    assert attempt.refused
    assert state.seen == []


def test_the_connection_is_pinned_to_the_checked_address_and_names_the_host(server):
    state, port = server
    attempt = transport(DEVELOPMENT, {"receiver.test": ["127.0.0.1"]}).post(
        f"http://receiver.test:{port}/hook?x=1", b"{}", {"Webhook-Id": "e1"}
    )
    assert attempt.ok, attempt
    assert attempt.status_code == 204
    (headers,) = state.seen
    assert headers["host"] == f"receiver.test:{port}"
    assert headers["webhook-id"] == "e1"


def test_redirects_are_not_followed(server):
    state, port = server
    state.answer, state.location = 302, "http://169.254.169.254/computeMetadata/v1/"
    attempt = transport(DEVELOPMENT, {"r.test": ["127.0.0.1"]}).post(
        f"http://r.test:{port}/hook", b"{}", {}
    )
    assert (attempt.ok, attempt.status_code) == (False, 302)
    assert "redirects are not followed" in attempt.error
    assert len(state.seen) == 1


def test_a_slow_receiver_times_out_and_a_large_body_is_never_sent(server):
    state, port = server
    state.delay = 2.0
    slow = transport(DEVELOPMENT, {"r.test": ["127.0.0.1"]}, timeout=0.3).post(
        f"http://r.test:{port}/hook", b"{}", {}
    )
    assert not slow.ok
    assert slow.error.startswith("no answer")
    assert not slow.refused  # retried later, unlike a policy refusal
    big = transport(DEVELOPMENT, {"r.test": ["127.0.0.1"]}).post(
        f"http://r.test:{port}/hook", b"x" * 2048, {}
    )
    assert big.refused
    assert "exceeds" in big.error
