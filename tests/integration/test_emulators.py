"""The emulator fixtures themselves: real services, isolated data."""

from __future__ import annotations

import pytest

from infra.local.emulators import clear_firestore
from shared.storage.firestore import firestore_client
from tests.conftest import PROJECT

pytestmark = pytest.mark.emulator


def test_pubsub_emulator_carries_a_message(pubsub_emulator):
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(PROJECT, "smoke")
    subscription = subscriber.subscription_path(PROJECT, "smoke-sub")
    publisher.create_topic(name=topic)
    subscriber.create_subscription(name=subscription, topic=topic)
    publisher.publish(topic, b'{"hello": "world"}').result(timeout=30)
    response = subscriber.pull(subscription=subscription, max_messages=1, timeout=30)
    assert [m.message.data for m in response.received_messages] == [b'{"hello": "world"}']


def test_clearing_firestore_removes_every_document(make_settings, clean_firestore):
    client = firestore_client(make_settings())
    client.collection("prompts").document("x").set({"a": 1})
    assert client.collection("prompts").document("x").get().exists
    clear_firestore(clean_firestore.host, PROJECT)
    assert not client.collection("prompts").document("x").get().exists
