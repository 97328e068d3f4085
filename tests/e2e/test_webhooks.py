"""Change events to signed webhooks, end to end on the real emulators:

    admin write (served in-process) -> outbox in the same transaction -> drained after the
    commit -> prompt-changes (Pub/Sub emulator) -> push -> deliver_webhooks (served over
    HTTP in this process) -> one task per subscription -> push -> signed POST -> receivers
    (plain HTTP servers in this test)

Waiting is polling with a generous limit, never a timing assertion.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from functions_framework import create_app

from infra.local.changes import ChangesWiring, pull_dead_letters, unwire_changes, wire_changes
from infra.local.emulators import free_port
from shared.config import get_settings
from shared.storage.firestore import firestore_client
from shared.webhooks.signing import verify
from tests.conftest import PROJECT, ROOT
from tests.e2e.conftest import ADMIN_SOURCE, assert_problem
from tests.e2e.test_audit_pipeline import serve_in_thread, wait_for

pytestmark = pytest.mark.emulator

MAX_ATTEMPTS = 3
MOVED = "template.label.moved"


@dataclass
class Receiver:
    status: int
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receivers() -> Iterator[callable]:
    servers = []

    def start(status: int) -> Receiver:
        receiver = Receiver(status)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@dataclass
class Stack:
    admin: Any
    deliver_module: Any
    deliver_url: str
    wiring: ChangesWiring
    pubsub_host: str


@pytest.fixture
def stack(firestore_emulator, pubsub_emulator, clean_firestore, load_function, monkeypatch):
    suffix = uuid.uuid4().hex[:8]  # fresh topics per test: no pushes from earlier tests
    env = {
        "PUBSUB_EMULATOR_HOST": pubsub_emulator.host,
        "CHANGES_TOPIC": f"changes-{suffix}",
        "CHANGES_TICK_TOPIC": f"changes-tick-{suffix}",
        "WEBHOOK_DELIVERIES_TOPIC": f"deliveries-{suffix}",
        "WEBHOOK_DEAD_LETTER_TOPIC": f"deliveries-dl-{suffix}",
        "WEBHOOK_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "FIRESTORE_EMULATOR_HOST": firestore_emulator.host,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    urls, stops, modules = {}, [], {}
    for target in ("deliver_webhooks", "drain_changes"):
        app = create_app(target=target, source=str(ROOT / "functions" / target / "main.py"))
        modules[target] = sys.modules["main"]
        urls[target], stop = serve_in_thread(app)
        stops.append(stop)
    wiring = wire_changes(
        pubsub_emulator.host,
        PROJECT,
        deliver_url=urls["deliver_webhooks"],
        drain_url=urls["drain_changes"],
        changes_topic=env["CHANGES_TOPIC"],
        tick_topic=env["CHANGES_TICK_TOPIC"],
        deliveries_topic=env["WEBHOOK_DELIVERIES_TOPIC"],
        dead_letter_topic=env["WEBHOOK_DEAD_LETTER_TOPIC"],
    )
    admin, _ = load_function(source=ADMIN_SOURCE, target="admin", role="admin", **env)
    yield Stack(
        admin, modules["deliver_webhooks"], urls["deliver_webhooks"], wiring, pubsub_emulator.host
    )
    unwire_changes(pubsub_emulator.host, wiring)
    for stop in stops:
        stop()
    get_settings.cache_clear()


def subscribe(admin, url: str, **overrides: Any) -> dict[str, Any]:
    body = {"url": url, "event_types": [MOVED], "templates": ["greet"], **overrides}
    created = admin.post("/v1/webhooks", json=body)
    assert created.status_code == 201, created.get_data(as_text=True)
    return created.get_json()


def deliveries(admin, webhook_id: str) -> list[dict[str, Any]]:
    answer = admin.get(f"/v1/webhooks/{webhook_id}/deliveries")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["items"]


def outbox_of(name: str) -> list[dict[str, Any]]:
    """The outbox events naming `name`: a thread left by an earlier test may still commit
    other templates' changes into the shared emulator."""
    documents = firestore_client(get_settings()).collection("change_outbox").stream()
    return [e for e in (d.to_dict() for d in documents) if e["data"].get("template") == name]


def settled(admin, webhook_id: str, status: str):
    return lambda: [d for d in deliveries(admin, webhook_id) if d["status"] == status]


def test_a_label_move_is_one_event_and_one_signed_delivery_while_a_failing_receiver_retries_alone(
    stack, receivers
):
    admin = stack.admin
    assert admin.post("/v1/templates", json={"name": "greet", "template": "Hi"}).status_code == 201
    healthy, failing = receivers(204), receivers(500)
    good = subscribe(admin, healthy.url)
    bad = subscribe(admin, failing.url)
    assert good["secret"].startswith("whsec_")
    assert "secret" not in admin.get(f"/v1/webhooks/{good['id']}").get_json()  # shown once

    moved = admin.put("/v1/templates/greet/labels/production", json={"version": 1})
    assert moved.status_code == 200, moved.get_data(as_text=True)

    wait_for(lambda: healthy.requests, what="the healthy receiver's delivery")
    # Delivered at once: the failing receiver was still inside its retry budget.
    assert len(failing.requests) < MAX_ATTEMPTS
    ((headers, body),) = healthy.requests
    assert verify(good["secret"], headers["webhook-signature"], body, now=time.time())
    assert not verify(bad["secret"], headers["webhook-signature"], body, now=time.time())
    event = json.loads(body)
    assert headers["webhook-id"] == event["id"]
    assert headers["content-type"] == "application/cloudevents+json"
    assert (event["specversion"], event["type"], event["subject"]) == (
        "1.0",
        MOVED,
        "templates/greet/labels/production",
    )
    revision = int(admin.get("/v1/templates/greet").headers["ETag"].strip('"r'))
    assert event["data"]["revision"] == revision
    assert event["data"]["after"]["version"] == 1
    assert event["data"]["before"] == {"version": None}
    assert event["data"]["actor"] == "key:test-admin"

    (dead,) = wait_for(settled(admin, bad["id"], "dead_lettered"), what="the dead letter")
    assert dead["attempts"] == MAX_ATTEMPTS
    assert dead["last_error"] == "HTTP 500"
    assert len(failing.requests) == MAX_ATTEMPTS
    assert dead["event_id"] == event["id"]
    letters = wait_for(lambda: pull_dead_letters(stack.pubsub_host, stack.wiring))
    assert [json.loads(m.data)["delivery_id"] for m in letters] == [dead["id"]]

    (done,) = deliveries(admin, good["id"])
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("delivered", 1, 204)
    assert done["latency_ms"] is not None
    assert len(healthy.requests) == 1  # one event, one delivery, after all the retries
    assert outbox_of("greet") == []

    # A duplicate of the event (a drain that died before its cleanup) queues nothing new.
    assert stack.deliver_module.delivery.fan_out(event) == []

    # Redeliver: a fresh budget, the same event id, now to a receiver that recovered.
    failing.status = 204
    again = admin.post(f"/v1/webhooks/{bad['id']}/deliveries/{dead['id']}/redeliver")
    assert again.status_code == 202, again.get_data(as_text=True)
    assert again.get_json()["status"] == "pending"
    (redelivered,) = wait_for(settled(admin, bad["id"], "delivered"), what="the redelivery")
    assert (redelivered["redeliveries"], redelivered["attempts"]) == (1, 1)
    headers, body = failing.requests[-1]
    assert headers["webhook-id"] == event["id"]
    assert verify(bad["secret"], headers["webhook-signature"], body, now=time.time())
    actions = [e["action"] for e in admin.get("/v1/audit-log").get_json()["items"]]
    assert {"webhook.create", "webhook.redeliver"} <= set(actions)


def include(name: str) -> str:
    return f"@@@langfusePrompt:name={name}|label=production@@@"


def test_a_change_to_an_included_prompt_reaches_the_subscribers_of_its_includers(stack, receivers):
    """C includes A includes B (by label): B's label move is a change to A and C for their
    subscribers; a subscriber of an unrelated template hears nothing. B's new version
    includes C, closing a cycle that the expansion walks once."""
    admin = stack.admin
    for name, body in {
        "base": "the base",
        "middle": f"middle: {include('base')}",
        "outer": f"outer: {include('middle')}",
        "unrelated": "alone",
    }.items():
        created = admin.post("/v1/templates", json={"name": name, "template": body})
        assert created.status_code == 201, created.get_data(as_text=True)
        labelled = admin.put(f"/v1/templates/{name}/labels/production", json={"version": 1})
        assert labelled.status_code == 200, labelled.get_data(as_text=True)
    cycle = admin.post(
        "/v1/templates/base/versions", json={"template": f"the base, v2 {include('outer')}"}
    )
    assert cycle.status_code == 201, cycle.get_data(as_text=True)
    listeners = {name: receivers(204) for name in ("middle", "outer", "unrelated")}
    subscribed = {
        name: subscribe(admin, receiver.url, templates=[name])
        for name, receiver in listeners.items()
    }

    moved = admin.put("/v1/templates/base/labels/production", json={"version": 2})
    assert moved.status_code == 200, moved.get_data(as_text=True)

    for name in ("middle", "outer"):
        wait_for(lambda n=name: listeners[n].requests, what=f"the delivery to {name}'s subscriber")
        ((headers, body),) = listeners[name].requests
        secret = subscribed[name]["secret"]
        assert verify(secret, headers["webhook-signature"], body, now=time.time())
        event = json.loads(body)
        assert (event["type"], event["subject"]) == (MOVED, "templates/base/labels/production")
        assert event["data"]["template"] == "base"
        assert event["data"]["after"]["version"] == 2
    # The whole matching again, synchronously: a duplicate queues nothing new, and the
    # unrelated subscription was never matched.
    assert stack.deliver_module.delivery.fan_out(event) == []
    assert deliveries(admin, subscribed["unrelated"]["id"]) == []
    assert listeners["unrelated"].requests == []


def test_an_event_the_admin_could_not_publish_is_delivered_after_the_scheduled_drain(
    stack, receivers, monkeypatch
):
    admin = stack.admin
    healthy = receivers(204)
    admin.post("/v1/templates", json={"name": "drained", "template": "Hi"})
    subscribe(admin, healthy.url, templates=["drained"])

    # The admin instance cannot publish: the write still commits, its event waits.
    class Unreachable:
        def publish(self, data, attributes):
            raise ConnectionError("Pub/Sub unreachable")

    drainer = sys.modules["main"].app.after_write.__self__  # the admin's OutboxDrainer
    monkeypatch.setattr(drainer, "_topic", Unreachable())
    assert (
        admin.put("/v1/templates/drained/labels/production", json={"version": 1}).status_code == 200
    )
    assert len(outbox_of("drained")) == 1
    from infra.local.changes import publish_drain_tick

    publish_drain_tick(stack.pubsub_host, stack.wiring)  # Cloud Scheduler's tick
    wait_for(lambda: healthy.requests, what="the delivery after the drain")
    # The drain removes the document once Pub/Sub took the event, which may be after the
    # push already reached the receiver: wait for the removal, do not race it.
    wait_for(lambda: outbox_of("drained") == [], what="the drained event's outbox document gone")


def test_bad_input_to_every_webhook_endpoint_is_a_precise_problem(stack):
    admin = stack.admin
    url = "http://127.0.0.1:9/hook"
    hook = "/v1/webhooks/wh-0000000000000000"
    spec = {"url": url, "event_types": [MOVED]}
    invalid, bad, missing = (
        (422, "validation-failed"),
        (400, "bad-request"),
        (404, "webhook-not-found"),
    )
    cases = [
        ("POST", "/v1/webhooks", {"json": {"event_types": [MOVED]}}, invalid),
        ("POST", "/v1/webhooks", {"json": {**spec, "event_types": ["nope"]}}, invalid),
        ("POST", "/v1/webhooks", {"json": {**spec, "event_types": []}}, invalid),
        ("POST", "/v1/webhooks", {"json": {**spec, "x": 1}}, invalid),
        ("POST", "/v1/webhooks", {"json": {**spec, "url": "not a url"}}, invalid),
        ("POST", "/v1/webhooks", {"json": {**spec, "url": 5}}, invalid),
        ("POST", "/v1/webhooks", {"json": {**spec, "templates": ["Bad Name"]}}, invalid),
        ("POST", "/v1/webhooks", {"data": "{", "content_type": "application/json"}, bad),
        ("POST", "/v1/webhooks", {"data": "x", "content_type": "text/plain"},
         (415, "unsupported-media-type")),
        ("GET", "/v1/webhooks?limit=0", {}, bad),
        ("GET", "/v1/webhooks?cursor=%%%", {}, bad),
        ("GET", "/v1/webhooks?colour=red", {}, bad),
        ("GET", "/v1/webhooks/nope", {}, invalid),
        ("GET", hook, {}, missing),
        ("PUT", hook, {"json": spec}, missing),
        ("DELETE", hook, {}, missing),
        ("GET", f"{hook}/deliveries", {}, missing),
        ("POST", f"{hook}/deliveries/x/redeliver", {}, invalid),
    ]  # fmt: skip
    for method, path, kwargs, (status, slug) in cases:
        assert_problem(admin.open(path, method=method, **kwargs), status, slug)
    created = subscribe(admin, url)
    missing = "0" * 32 + "~" + created["id"]
    assert_problem(
        admin.post(f"/v1/webhooks/{created['id']}/deliveries/{missing}/redeliver"),
        404,
        "delivery-not-found",
    )
    stale = admin.put(
        f"/v1/webhooks/{created['id']}",
        json={"url": url, "event_types": [MOVED]},
        headers={"If-Match": '"r9"'},
    )
    assert_problem(stale, 412, "precondition-failed")


def test_private_receivers_are_refused_when_the_policy_is_production(
    firestore_emulator, clean_firestore, load_function
):
    admin, _ = load_function(
        source=ADMIN_SOURCE, target="admin", role="admin", WEBHOOK_ALLOW_PRIVATE_TARGETS="false"
    )
    for url in (
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/computeMetadata/v1/",
        "https://[::1]/hook",
        "https://localhost/hook",
    ):
        body = assert_problem(
            admin.post("/v1/webhooks", json={"url": url, "event_types": [MOVED]}),
            422,
            "validation-failed",
        )
        assert body["errors"][0]["field"] == "body.url", url
    assert admin.get("/v1/webhooks").get_json()["items"] == []


def push(stack, data: bytes | str, attributes: dict[str, str], topic: str) -> int:
    payload = data if isinstance(data, str) else base64.b64encode(data).decode()
    envelope = {
        "message": {"data": payload, "attributes": attributes, "messageId": "m-1"},
        "subscription": f"projects/{PROJECT}/subscriptions/s",
    }
    import requests

    response = requests.post(
        f"{stack.deliver_url}/projects/{PROJECT}/topics/{topic}", json=envelope, timeout=10
    )
    return response.status_code


def test_malformed_messages_to_the_delivery_function_are_acknowledged_not_retried(stack):
    topic = stack.wiring.changes_topic
    task = {"kind": "webhook-delivery"}
    for data, attributes in (
        ("%%% not base64", {}),
        (b"not json", {}),
        (b'{"a": 1}', {}),  # neither a change event nor a task
        (b'{"a": 1}', {"ce-id": "x"}),  # an incomplete change event
        (b"{}", task),
        (b'{"delivery_id": "../../etc"}', task),
        (json.dumps({"delivery_id": "0" * 32 + "~wh-" + "0" * 16}).encode(), task),  # unknown
    ):
        assert push(stack, data, attributes, topic) in (200, 204), (data, attributes)
