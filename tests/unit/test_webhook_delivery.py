"""The delivery service on in-memory stores: one delivery per (event, subscription), a
duplicate event queues nothing, a failing attempt raises for Pub/Sub to retry until the
budget is spent, settled deliveries ignore duplicate tasks, inactive subscriptions skip."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

import pytest

from shared.webhooks.delivery import DeliveryRetry, WebhookDelivery, handle_message
from shared.webhooks.rules import Attempt
from shared.webhooks.signing import verify

EVENT = {
    "specversion": "1.0",
    "id": "a" * 32,
    "source": "//prompt-management/projects/p",
    "type": "template.label.moved",
    "subject": "templates/greet/labels/production",
    "time": "2026-01-01T00:00:00+00:00",
    "data": {"template": "greet", "revision": 3},
}


class Topic:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, dict[str, str]]] = []

    def publish(self, data: bytes, attributes: Mapping[str, str]) -> Future[str]:
        self.sent.append((data, dict(attributes)))
        future: Future[str] = Future()
        future.set_result(str(len(self.sent)))
        return future


class Store:
    def __init__(self, subscriptions: list[dict[str, Any]]) -> None:
        self.subs = {s["id"]: s for s in subscriptions}
        self.log: dict[str, dict[str, Any]] = {}

    def active(self) -> list[dict[str, Any]]:
        return [s for s in self.subs.values() if s["active"]]

    def get(self, doc_id: str) -> dict[str, Any] | None:
        return self.subs.get(doc_id)

    def secret(self, doc_id: str) -> str | None:
        return f"whsec_{doc_id}"

    def ensure(self, delivery: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        if delivery["id"] in self.log:
            return self.log[delivery["id"]], False
        self.log[delivery["id"]] = dict(delivery)
        return self.log[delivery["id"]], True

    def record(self, delivery_id: str, fields: dict[str, Any]) -> None:
        self.log[delivery_id].update(fields)


class Log:
    def __init__(self, store: Store) -> None:
        self.store = store

    def ensure(self, delivery: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        return self.store.ensure(delivery)

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        return self.store.log.get(delivery_id)

    def record(self, delivery_id: str, fields: dict[str, Any]) -> None:
        self.store.record(delivery_id, fields)


class Transport:
    def __init__(self, answers: dict[str, bool]) -> None:
        self.answers = answers
        self.posts: list[tuple[str, bytes, dict[str, str]]] = []

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Attempt:
        self.posts.append((url, body, dict(headers)))
        ok = self.answers[url]
        return Attempt(ok, 204 if ok else 500, None if ok else "HTTP 500", 1.0)


def sub(name: str, **overrides: Any) -> dict[str, Any]:
    return {
        "id": f"wh-{name:0>16}",
        "url": f"https://{name}.example.com/",
        "event_types": ["template.label.moved"],
        "templates": [],
        "active": True,
        **overrides,
    }


def service(subs: list[dict[str, Any]], answers: dict[str, bool]):
    store, tasks, dead, transport = Store(subs), Topic(), Topic(), Transport(answers)
    delivery = WebhookDelivery(
        subscriptions=store,
        log=Log(store),
        tasks=tasks,
        dead_letters=dead,
        transport=transport,
        max_attempts=3,
        max_body_bytes=262_144,
        publish_timeout=1,
        wall_clock=lambda: 1_767_225_600.0,
    )
    return delivery, store, tasks, dead, transport


def test_one_task_per_matching_subscription_and_a_duplicate_event_queues_none():
    subs = [sub("a"), sub("b", templates=["other"]), sub("c", active=False), sub("d")]
    delivery, _store, tasks, _, _ = service(subs, {})
    queued = delivery.fan_out(EVENT)
    assert queued == [f"{'a' * 32}~wh-{'a':0>16}", f"{'a' * 32}~wh-{'d':0>16}"]
    assert len(tasks.sent) == 2
    assert delivery.fan_out(EVENT) == []
    assert len(tasks.sent) == 2


def test_a_failing_receiver_raises_until_its_budget_and_never_holds_back_another():
    bad, good = sub("bad"), sub("good")
    delivery, store, _, dead, transport = service(
        [bad, good], {bad["url"]: False, good["url"]: True}
    )
    bad_id, good_id = delivery.fan_out(EVENT)
    assert delivery.deliver(good_id) == "delivered"
    for attempt in (1, 2):
        with pytest.raises(DeliveryRetry):
            delivery.deliver(bad_id)
        assert store.log[bad_id]["status"] == "retrying"
        assert store.log[bad_id]["attempts"] == attempt
    assert delivery.deliver(bad_id) == "dead_lettered"
    assert [json.loads(data)["delivery_id"] for data, _ in dead.sent] == [bad_id]
    assert delivery.deliver(bad_id) == "dead_lettered"  # a duplicate task sends nothing
    assert delivery.deliver(good_id) == "delivered"
    urls = [url for url, _, _ in transport.posts]
    assert urls.count(good["url"]) == 1
    assert urls.count(bad["url"]) == 3
    _, body, headers = transport.posts[0]
    assert verify(f"whsec_{good['id']}", headers["Webhook-Signature"], body, now=1_767_225_600)
    assert headers["Webhook-Id"] == EVENT["id"]


def test_a_paused_subscription_skips_its_queued_delivery():
    paused = sub("p")
    delivery, _store, _, _, transport = service([paused], {paused["url"]: True})
    (delivery_id,) = delivery.fan_out(EVENT)
    paused["active"] = False
    assert delivery.deliver(delivery_id) == "skipped"
    assert transport.posts == []


def _push(data: Any, attributes: dict[str, str]) -> dict[str, Any]:
    raw = base64.b64encode(json.dumps(data).encode()).decode()
    return {"message": {"data": raw, "attributes": attributes, "messageId": "1"}}


def test_handle_message_routes_events_and_tasks_and_acknowledges_garbage():
    a = sub("a")
    delivery, _, tasks, _, _ = service([a], {a["url"]: True})
    attributes = {f"ce-{k}": str(EVENT[k]) for k in ("id", "type", "source", "specversion")}
    assert handle_message(delivery, _push(EVENT["data"], attributes), message_id="1") == "queued 1"
    task_data, task_attributes = tasks.sent[0]
    push = _push(json.loads(task_data), task_attributes)
    assert handle_message(delivery, push, message_id="2") == "delivered"
    for garbage in (
        None,
        {},
        {"message": {"data": "%%"}},
        _push([1], {"kind": "webhook-delivery"}),
    ):
        assert handle_message(delivery, garbage, message_id="3") == "malformed"


def test_a_fan_out_that_died_before_queueing_is_completed_by_the_redelivered_event():
    a = sub("a")
    delivery, store, tasks, _, _ = service([a], {a["url"]: True})

    def down(data: bytes, attributes: Mapping[str, str]) -> Future[str]:
        raise ConnectionError("Pub/Sub unreachable")

    tasks.publish = down  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        delivery.fan_out(EVENT)  # raises: Pub/Sub redelivers the event
    (record,) = store.log.values()
    assert record["queued"] is False
    del tasks.publish
    assert delivery.fan_out(EVENT) == [record["id"]]
    assert len(tasks.sent) == 1
    assert delivery.fan_out(EVENT) == []
