"""Change events on the real emulators: each committed admin change leaves exactly one
outbox document in its own transaction (none for a refused write), and a process killed
between the commit and the publish loses nothing: a later drain publishes the event once,
with the id it was committed with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from infra.local.pubsub import clients
from shared.audit.model import Actor
from shared.bootstrap.admin import guardrail_documents
from shared.changes.outbox import OutboxDrainer
from shared.errors import PreconditionFailed
from shared.guardrails.admin import GuardrailAdminService
from shared.guardrails.model import Guardrail
from shared.storage.firestore import firestore_client
from shared.storage.outbox import OutboxStore
from shared.storage.pubsub import PubSubTopic
from shared.storage.templates import TemplateRepository
from shared.templates.model import PromptTemplate
from tests.conftest import PROJECT, ROOT
from tests.support import put_version

pytestmark = pytest.mark.emulator

ADA = Actor("ada", "req-1")
PII = {
    "name": "pii",
    "type": "pii_detection",
    "threshold": 0.5,
    "action": "redact",
    "surfaces": ["input_variables"],
}


def outbox(settings) -> list[dict]:
    client = firestore_client(settings)
    return [s.to_dict() for s in client.collection("change_outbox").order_by("created_at").stream()]


def events_of(settings, name: str) -> list[dict]:
    return [e for e in outbox(settings) if (e.get("data") or {}).get("template") == name]


def template(text: str, name: str = "greet") -> PromptTemplate:
    return PromptTemplate.model_validate({"name": name, "template": text})


@pytest.fixture
def topic(pubsub_emulator, make_settings, clean_firestore):
    """A fresh changes topic with a pull subscription, and settings that publish to it."""
    name = f"changes-{uuid.uuid4().hex[:8]}"
    settings = make_settings(PUBSUB_EMULATOR_HOST=pubsub_emulator.host, CHANGES_TOPIC=name)
    publisher, subscriber = clients(pubsub_emulator.host)
    publisher.create_topic(name=f"projects/{PROJECT}/topics/{name}")
    subscription = f"projects/{PROJECT}/subscriptions/{name}-pull"
    subscriber.create_subscription(name=subscription, topic=f"projects/{PROJECT}/topics/{name}")

    def pull() -> list:
        response = subscriber.pull(
            request={"subscription": subscription, "max_messages": 50}, timeout=5
        )
        if response.received_messages:
            subscriber.acknowledge(
                request={
                    "subscription": subscription,
                    "ack_ids": [m.ack_id for m in response.received_messages],
                }
            )
        return [m.message for m in response.received_messages]

    yield settings, pull
    subscriber.delete_subscription(subscription=subscription)


def drainer(settings, *, clock=None) -> OutboxDrainer:
    publish = PubSubTopic(settings, settings.changes_topic, timeout=10)
    if clock is None:
        return OutboxDrainer(OutboxStore(settings), publish, timeout=10)
    return OutboxDrainer(OutboxStore(settings), publish, timeout=10, clock=clock)


def test_a_label_move_commits_exactly_one_event_with_its_audit_entry_and_revision(topic):
    settings, _ = topic
    # A name no other test uses: a thread an earlier test left running may still commit
    # into the shared emulator after its cleanup, but never events of this template.
    name = f"greet-{uuid.uuid4().hex[:8]}"
    store = TemplateRepository(settings)
    v1 = put_version(store, template("Hi {{name}}", name), author="ada")
    v2 = put_version(store, template("Hello {{name}}", name), author="ada", labels=("production",))
    before = {e["id"] for e in events_of(settings, name)}
    store.move_label(name, "production", 1, actor=ADA, if_match=None)
    (event,) = [e for e in events_of(settings, name) if e["id"] not in before]
    head = store.head(name) or {}
    assert event["type"] == "template.label.moved"
    data = event["data"]
    assert data["revision"] == head["update_count"]
    assert data["template"] == name
    assert data["label"] == "production"
    assert data["before"] == {"version": 2, "content_hash": v2.content_hash}
    assert data["after"] == {"version": 1, "content_hash": v1.content_hash}
    assert data["actor"] == "ada"
    audit = firestore_client(settings).collection("audit_log").document(data["audit_entry_id"])
    assert audit.get().to_dict()["action"] == "label.move"
    revisions = [e["data"]["revision"] for e in events_of(settings, name)]
    assert len(revisions) == 4  # version 1, version 2, production onto 2, then onto 1
    assert revisions == sorted(set(revisions))  # strictly increasing per template


def test_a_refused_write_leaves_no_event(topic):
    settings, _ = topic
    store = TemplateRepository(settings)
    put_version(store, template("Hi"), author="ada", labels=("production",))
    count = len(outbox(settings))
    with pytest.raises(PreconditionFailed):
        store.move_label("greet", "staging", 1, actor=ADA, if_match=99)
    assert len(outbox(settings)) == count


def test_guardrail_activation_is_an_event_with_the_guardrail_revision(topic):
    settings, _ = topic
    service = GuardrailAdminService(guardrail_documents(settings))
    service.create(Guardrail.model_validate(PII), actor=ADA)
    service.set_active("pii", False, actor=ADA, if_match=None)
    types = [(e["type"], e["data"]["revision"]) for e in outbox(settings)]
    assert types == [("guardrail.changed", 1), ("guardrail.deactivated", 2)]


CRASHING_WRITER = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, os.getcwd())
    from shared.audit.model import Actor
    from shared.changes.outbox import OutboxDrainer
    from shared.config import Settings
    from shared.storage.outbox import OutboxStore
    from shared.storage.pubsub import PubSubTopic
    from shared.storage.templates import TemplateRepository

    settings = Settings.from_env()
    real = PubSubTopic(settings, settings.changes_topic, timeout=10)

    class Dies:
        def publish(self, data, attributes):
            if os.environ["DIE"] == "before":
                os._exit(9)
            real.publish(data, attributes).result(timeout=10)
            os._exit(9)

    TemplateRepository(settings).move_label(
        "greet", "production", 1, actor=Actor("ada", "crash"), if_match=None
    )
    OutboxDrainer(OutboxStore(settings), Dies(), timeout=10).drain()
    """
)


def crash_after_commit(settings, pubsub_host: str, when: str) -> None:
    env = {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "FIRESTORE_EMULATOR_HOST": settings.firestore_emulator_host,
        "PUBSUB_EMULATOR_HOST": pubsub_host,
        "CHANGES_TOPIC": settings.changes_topic,
        "DIE": when,
    }
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER], cwd=ROOT, env=env, timeout=120, check=False
    )
    assert result.returncode == 9  # killed inside the drain, after the commit


def seeded(settings) -> None:
    store = TemplateRepository(settings)
    put_version(store, template("Hi"), author="ada")
    put_version(store, template("Hello"), author="ada", labels=("production",))
    for document in outbox(settings):  # the seeding's own events are not under test
        OutboxStore(settings).remove(document["id"])


def later(seconds: float):
    return lambda: datetime.now(UTC) + timedelta(seconds=seconds)


def test_killed_between_commit_and_publish_a_later_drain_publishes_exactly_once(
    topic, pubsub_emulator
):
    settings, pull = topic
    seeded(settings)
    crash_after_commit(settings, pubsub_emulator.host, "before")
    (left,) = outbox(settings)  # committed, never published
    assert pull() == []
    # The dead drainer's claim holds for OUTBOX_CLAIM_SECONDS; a drain within it skips.
    assert drainer(settings).drain() == []
    assert drainer(settings, clock=later(settings.outbox_claim_seconds + 1)).drain() == [left["id"]]
    (message,) = pull()
    assert message.attributes["ce-id"] == left["id"]
    assert message.attributes["ce-type"] == "template.label.moved"
    assert json.loads(message.data)["after"]["version"] == 1
    assert outbox(settings) == []
    assert drainer(settings).drain() == []
    assert pull() == []


def test_killed_after_publish_before_cleanup_republishes_the_same_event_id(topic, pubsub_emulator):
    settings, pull = topic
    seeded(settings)
    crash_after_commit(settings, pubsub_emulator.host, "after")
    (left,) = outbox(settings)
    drainer(settings, clock=later(settings.outbox_claim_seconds + 1)).drain()
    ids = [m.attributes["ce-id"] for m in pull()]
    ids += [m.attributes["ce-id"] for m in pull()]
    assert ids == [left["id"], left["id"]]  # a duplicate receivers deduplicate on its id
