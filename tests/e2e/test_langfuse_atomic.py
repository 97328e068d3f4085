"""A Langfuse create with labels (and a PATCH of several labels) is one write: a fault between
its steps leaves nothing behind (no version, no label, no audit entry, no change event), and
revisions guard it against concurrent label moves exactly as they guard the admin API."""

from __future__ import annotations

import threading

import pytest
from google.api_core import exceptions as api_exceptions

from shared.audit.model import Actor, template_target
from shared.errors import AppError
from shared.storage.firestore import firestore_client
from shared.storage.templates import TemplateRepository
from shared.templates import rules
from shared.templates.model import PromptTemplate
from tests.e2e.test_langfuse_api import PROMPTS, SOURCE, assert_langfuse_error, basic, create

pytestmark = pytest.mark.emulator


@pytest.fixture
def served(load_function, api_keys):
    """(langfuse client, admin client, auth headers, settings): one store behind both."""
    from tests.e2e.conftest import ADMIN_SOURCE

    client, module = load_function(source=SOURCE, target="langfuse", role=None)
    admin, _ = load_function(source=ADMIN_SOURCE, target="admin", role="admin")
    return client, admin, lambda role="publisher": basic(api_keys[role]), module.settings


def stored(settings, name: str) -> dict[str, list[dict]]:
    """Everything a write to template `name` can leave in Firestore. Only `name`'s: a thread
    left by an earlier test may still commit other templates into the shared emulator."""
    db = firestore_client(settings)
    heads = [
        h for h in db.collection(settings.prompts_collection).stream() if h.get("name") == name
    ]
    target = template_target(name)
    return {
        "heads": [h.to_dict() for h in heads],
        "versions": [
            v.to_dict() for h in heads for v in h.reference.collection("versions").stream()
        ],
        "history": [
            e.to_dict() for h in heads for e in h.reference.collection("label_history").stream()
        ],
        "audit": [
            entry
            for entry in (a.to_dict() for a in db.collection(settings.audit_collection).stream())
            if target in entry.get("scope", [])
        ],
        "outbox": [
            event
            for event in (o.to_dict() for o in db.collection(settings.outbox_collection).stream())
            if event["data"].get("template") == name
        ],
    }


def fail_on_label(mocker, label: str) -> None:
    """Firestore fails while the write plans the move of `label` (after the version and
    any earlier label were planned): the fault between the steps."""
    move = rules.move_label

    def faulty(head, moving, target, *, target_exists):
        if moving == label:
            raise api_exceptions.ServiceUnavailable("injected between the steps")
        return move(head, moving, target, target_exists=target_exists)

    mocker.patch.object(rules, "move_label", side_effect=faulty)


def test_a_fault_between_creating_and_labelling_a_new_prompt_leaves_nothing(served, mocker):
    client, _, auth, settings = served
    fail_on_label(mocker, "staging")
    body = {"name": "team/new", "prompt": "Hi", "labels": ["production", "staging"]}
    failed = client.post(PROMPTS, json=body, headers=auth())
    assert_langfuse_error(failed, 503, "ServiceUnavailableError")
    assert stored(settings, "team/new") == {
        k: [] for k in ("heads", "versions", "history", "audit", "outbox")
    }

    mocker.stopall()
    created = create(client, auth(), **body)
    assert created["labels"] == ["production", "staging", "latest"]
    after = stored(settings, "team/new")
    assert after["heads"][0]["labels"] == {"production": 1, "staging": 1}
    assert after["heads"][0]["update_count"] == 3
    assert sorted(a["action"] for a in after["audit"]) == [
        "label.move",
        "label.move",
        "template.create",
    ]
    assert sorted(e["data"]["revision"] for e in after["outbox"]) == [1, 2, 3]
    # The moves' events carry the new version's hash, known before it was in Firestore.
    content_hash = after["versions"][0]["content_hash"]
    moved = [e["data"] for e in after["outbox"] if e["data"]["action"] == "label.move"]
    assert [m["after"]["content_hash"] for m in moved] == [content_hash, content_hash]
    assert {e["to_version"] for e in after["history"]} == {1}


def test_a_fault_between_adding_a_version_and_moving_labels_leaves_the_prompt_as_it_was(
    served, mocker
):
    client, admin, auth, settings = served
    create(client, auth(), name="steady", prompt="one", labels=["production"])
    before = stored(settings, "steady")
    fail_on_label(mocker, "beta")
    failed = client.post(
        PROMPTS,
        json={"name": "steady", "prompt": "two", "labels": ["production", "beta"]},
        headers=auth(),
    )
    assert_langfuse_error(failed, 503, "ServiceUnavailableError")
    assert stored(settings, "steady") == before
    assert admin.get("/v1/templates/steady/versions/2").status_code == 404

    failed = client.patch(
        f"{PROMPTS}/steady/versions/1", json={"newLabels": ["staging", "beta"]}, headers=auth()
    )
    assert_langfuse_error(failed, 503, "ServiceUnavailableError")
    assert stored(settings, "steady") == before  # staging was planned first: not moved either


def test_revisions_guard_a_labelled_create_like_any_admin_write(served):
    client, admin, auth, settings = served
    create(client, auth(), name="guarded", prompt="one", labels=["production"])
    etag = admin.get("/v1/templates/guarded").headers["ETag"]
    assert etag == '"r2"'
    create(client, auth(), name="guarded", prompt="two", labels=["production", "beta"])
    head = admin.get("/v1/templates/guarded")
    assert head.headers["ETag"] == '"r5"'  # the version, then one revision per label moved
    stale = admin.put(
        "/v1/templates/guarded/labels/production", json={"version": 1}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412, stale.get_data(as_text=True)

    before = stored(settings, "guarded")
    refused = client.post(
        PROMPTS,
        json={"name": "guarded", "prompt": "three", "labels": ["production"]},
        headers={**auth(), "If-Match": etag},
    )
    assert_langfuse_error(refused, 400, "InvalidRequestError")  # Langfuse has no 412
    refused = client.patch(
        f"{PROMPTS}/guarded/versions/1",
        json={"newLabels": ["production"]},
        headers={**auth(), "If-Match": etag},
    )
    assert_langfuse_error(refused, 400, "InvalidRequestError")  # Langfuse has no 412
    assert stored(settings, "guarded") == before
    moved = client.patch(
        f"{PROMPTS}/guarded/versions/1",
        json={"newLabels": ["production"]},
        headers={**auth(), "If-Match": '"r5"'},
    )
    assert moved.status_code == 200, moved.get_data(as_text=True)


def test_concurrent_publishers_and_label_moves_keep_one_history(make_settings, clean_firestore):
    """Writers in separate instances (no shared in-process queue) contend in Firestore: each
    publish moves both its labels or none, and every revision is used exactly once."""
    settings = make_settings(ADMIN_WRITE_ATTEMPTS="8")
    seed = TemplateRepository(settings)
    seed.create(
        PromptTemplate(name="busy", template="v1"), actor=Actor("seed", "r0"), commit_message=""
    )
    results: list[object] = []

    def publish(text: str) -> None:
        store = TemplateRepository(settings)
        try:
            results.append(
                store.publish(
                    "busy",
                    lambda parent: PromptTemplate(name="busy", template=text),
                    labels=["production", "staging"],
                    actor=Actor("lf", text),
                    commit_message="",
                    if_match=None,
                )
            )
        except AppError as exc:  # contention past the attempts is a legitimate answer
            results.append(exc)

    def move() -> None:
        store = TemplateRepository(settings)
        try:
            store.move_label("busy", "production", 1, actor=Actor("admin", "m"), if_match=None)
            results.append("moved")
        except AppError as exc:
            results.append(exc)

    threads = [threading.Thread(target=publish, args=(f"t{n}",)) for n in range(2)]
    threads.append(threading.Thread(target=move))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 3
    failures = [r for r in results if isinstance(r, Exception)]
    assert all(type(f).__name__ == "WriteContention" for f in failures), failures

    after = stored(settings, "busy")
    head = after["heads"][0]
    revisions = sorted(e["data"]["revision"] for e in after["outbox"])
    assert revisions == list(range(1, head["update_count"] + 1))  # each once, none skipped
    assert len(after["audit"]) == head["update_count"]
    published = [r for r in results if isinstance(r, int)]
    assert head["latest_version"] == 1 + len(published)
    moves = after["history"]
    assert len(moves) == sum(1 for a in after["audit"] if a["action"] == "label.move")
    if published:
        # staging moves only with a publish: it is on the newest version, and production is
        # there too unless the admin's move to version 1 committed after every publish.
        assert head["labels"]["staging"] == head["latest_version"]
        assert head["labels"]["production"] in (head["labels"]["staging"], 1)
    # Each publish's two moves are adjacent revisions: nothing interleaved inside one write.
    by_request: dict[str, list[int]] = {}
    for entry in moves:
        by_request.setdefault(entry["request_id"], []).append(entry["revision"])
    for request_id, numbers in by_request.items():
        if request_id.startswith("t"):
            assert sorted(numbers) == [min(numbers), min(numbers) + 1], by_request
