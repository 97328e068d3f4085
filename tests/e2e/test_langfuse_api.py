"""The Langfuse-compatible function's own contract, in-process (functions-framework's app):
answer and error shapes, roles, names with `/`, list paging, `latest`, nulls on create.
The real SDKs drive the served function in test_langfuse_sdk.py."""

from __future__ import annotations

import base64

import pytest

from shared.auth.credentials import parse_key_id, public_key_of
from tests.conftest import ROOT

pytestmark = pytest.mark.emulator

SOURCE = ROOT / "functions" / "langfuse" / "main.py"
PROMPTS = "/api/public/v2/prompts"


def basic(key: str, public: str | None = None) -> dict[str, str]:
    public = public or public_key_of(parse_key_id(key) or "")
    token = base64.b64encode(f"{public}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def langfuse(load_function, api_keys):
    """(client, headers for a role): the function loaded as functions-framework loads it."""
    client, _ = load_function(source=SOURCE, target="langfuse", role=None)
    return client, lambda role="publisher": basic(api_keys[role])


def assert_langfuse_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == error
    assert body["message"]
    return body


def create(client, headers, **body):
    response = client.post(PROMPTS, json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_create_and_get_text_prompt_with_folder_name(langfuse):
    client, auth = langfuse
    created = create(
        client,
        auth(),
        name="a/b/p",
        prompt="Hi {{who}}",
        type="text",
        labels=["production"],
        tags=["t1"],
        config={"temperature": 0.5},
        commitMessage="first",
    )
    assert created["version"] == 1
    assert created["labels"] == ["production", "latest"]
    got = client.get(f"{PROMPTS}/a%2Fb%2Fp", headers=auth("service")).get_json()
    assert got["name"] == "a/b/p"
    assert got["type"] == "text"
    assert got["prompt"] == "Hi {{who}}"
    assert got["config"]["temperature"] == 0.5
    assert got["tags"] == ["t1"]
    assert got["commitMessage"] == "first"
    assert got["labels"] == ["production", "latest"]  # every label on the version
    assert got["resolutionGraph"] is None


def test_nulls_are_allowed_on_create(langfuse):
    client, auth = langfuse
    created = create(
        client,
        auth("editor"),
        name="nulls",
        prompt="x",
        type=None,
        labels=None,
        tags=None,
        config=None,
        commitMessage=None,
    )
    assert created["type"] == "text"
    assert created["labels"] == ["latest"]
    assert created["tags"] == []
    assert created["commitMessage"] is None


def test_latest_is_reserved_and_follows_the_newest_version(langfuse):
    client, auth = langfuse
    create(client, auth(), name="lat", prompt="one")
    create(client, auth(), name="lat", prompt="two")
    got = client.get(f"{PROMPTS}/lat?label=latest", headers=auth()).get_json()
    assert (got["version"], got["prompt"]) == (2, "two")
    refused = client.patch(
        f"{PROMPTS}/lat/versions/1", json={"newLabels": ["latest"]}, headers=auth()
    )
    assert_langfuse_error(refused, 400, "InvalidRequestError")
    refused = client.post(
        PROMPTS, json={"name": "lat", "prompt": "3", "labels": ["latest"]}, headers=auth()
    )
    assert_langfuse_error(refused, 400, "InvalidRequestError")
    assert client.get(f"{PROMPTS}/lat?version=3", headers=auth()).status_code == 404  # no write


def test_patch_moves_labels_and_answers_the_version(langfuse):
    client, auth = langfuse
    create(client, auth(), name="mv", prompt="one", labels=["production"])
    create(client, auth(), name="mv", prompt="two")
    moved = client.patch(
        f"{PROMPTS}/mv/versions/2", json={"newLabels": ["production", "staging"]}, headers=auth()
    )
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.get_json()["labels"] == ["production", "staging", "latest"]
    assert client.get(f"{PROMPTS}/mv", headers=auth()).get_json()["version"] == 2


def test_chat_prompt_with_placeholder_round_trips(langfuse):
    client, auth = langfuse
    prompt = [
        {"role": "system", "content": "You help {{who}}"},
        {"type": "placeholder", "name": "history"},
        {"type": "chatmessage", "role": "user", "content": "{{question}}"},
    ]
    create(client, auth(), name="chatty", prompt=prompt, type="chat", labels=["production"])
    got = client.get(f"{PROMPTS}/chatty", headers=auth()).get_json()
    assert got["type"] == "chat"
    assert got["prompt"] == [
        {"type": "chatmessage", "role": "system", "content": "You help {{who}}"},
        {"type": "placeholder", "name": "history"},
        {"type": "chatmessage", "role": "user", "content": "{{question}}"},
    ]


def test_error_shapes(langfuse, api_keys):
    client, auth = langfuse
    missing = client.get(f"{PROMPTS}/nope", headers=auth())
    assert_langfuse_error(missing, 404, "LangfuseNotFoundError")
    create(client, auth(), name="known", prompt="x")
    assert_langfuse_error(
        client.get(f"{PROMPTS}/known", headers=auth()), 404, "LangfuseNotFoundError"
    )
    bad = client.get(f"{PROMPTS}/known?version=zero", headers=auth())
    assert_langfuse_error(bad, 400, "InvalidRequestError")
    bad = client.post(PROMPTS, json={"name": "x", "prompt": "y", "type": "chat"}, headers=auth())
    assert_langfuse_error(bad, 400, "InvalidRequestError")
    bad = client.post(
        PROMPTS, json={"name": "x", "prompt": "y", "config": {"temperature": "hot"}}, headers=auth()
    )
    assert "config" in assert_langfuse_error(bad, 400, "InvalidRequestError")["message"]
    bad = client.post(PROMPTS, json={"name": "../x", "prompt": "y"}, headers=auth())
    assert_langfuse_error(bad, 400, "InvalidRequestError")
    bad = client.post(PROMPTS, data="{", headers={**auth(), "Content-Type": "application/json"})
    assert_langfuse_error(bad, 400, "InvalidRequestError")
    assert_langfuse_error(client.get(f"{PROMPTS}/known"), 401, "UnauthorizedError")
    wrong_pair = basic(api_keys["publisher"], public=public_key_of("test-admin"))
    assert_langfuse_error(
        client.get(f"{PROMPTS}/known", headers=wrong_pair), 401, "UnauthorizedError"
    )
    garbage = {"Authorization": "Basic !!!"}
    assert_langfuse_error(client.get(f"{PROMPTS}/known", headers=garbage), 401, "UnauthorizedError")
    service = client.post(PROMPTS, json={"name": "x", "prompt": "y"}, headers=auth("service"))
    assert_langfuse_error(service, 403, "AccessDeniedError")
    editor = client.post(
        PROMPTS, json={"name": "x", "prompt": "y", "labels": ["production"]}, headers=auth("editor")
    )
    assert_langfuse_error(editor, 403, "AccessDeniedError")
    editor = client.patch(
        f"{PROMPTS}/known/versions/1", json={"newLabels": ["production"]}, headers=auth("editor")
    )
    assert_langfuse_error(editor, 403, "AccessDeniedError")
    assert_langfuse_error(
        client.get("/api/public/v2/unknown", headers=auth()), 404, "LangfuseNotFoundError"
    )


def test_list_pages_and_filters(langfuse):
    client, auth = langfuse
    for index in range(5):
        create(
            client,
            auth(),
            name=f"list-{index}",
            prompt=f"p{index}",
            tags=["even"] if index % 2 == 0 else [],
            labels=["production"] if index < 2 else [],
        )
    page = client.get(f"{PROMPTS}?page=2&limit=2", headers=auth()).get_json()
    assert [row["name"] for row in page["data"]] == ["list-2", "list-3"]
    assert page["meta"] == {"page": 2, "limit": 2, "totalItems": 5, "totalPages": 3}
    row = page["data"][0]
    assert (row["versions"], row["type"], row["labels"]) == ([1], "text", ["latest"])
    assert row["tags"] == ["even"]
    assert row["lastConfig"]["model_name"]
    assert row["lastUpdatedAt"]
    tagged = client.get(f"{PROMPTS}?tag=even", headers=auth()).get_json()
    assert [r["name"] for r in tagged["data"]] == ["list-0", "list-2", "list-4"]
    labelled = client.get(f"{PROMPTS}?label=production", headers=auth()).get_json()
    assert labelled["meta"]["totalItems"] == 2
    assert_langfuse_error(
        client.get(f"{PROMPTS}?page=0", headers=auth()), 400, "InvalidRequestError"
    )
    assert_langfuse_error(
        client.get(f"{PROMPTS}?pgae=1", headers=auth()), 400, "InvalidRequestError"
    )


def test_composition_is_resolved_for_both_apis(langfuse, load_function, api_keys):
    client, auth = langfuse
    create(client, auth(), name="shared/tone", prompt="Be kind to {{who}}.", labels=["production"])
    create(client, auth(), name="shared/tone", prompt="Be brief.")
    parent = "Reply. @@@langfusePrompt:name=shared/tone|label=production@@@ "
    parent += "@@@langfusePrompt:name=shared/tone|version=2@@@"
    create(client, auth(), name="reply", prompt=parent, labels=["production"])
    got = client.get(f"{PROMPTS}/reply", headers=auth()).get_json()
    assert got["prompt"] == "Reply. Be kind to {{who}}. Be brief."
    assert got["resolutionGraph"]["root"] == {"name": "reply", "version": 1}
    assert got["resolutionGraph"]["dependencies"]["reply@1"] == [
        {"name": "shared/tone", "version": 1, "label": "production"},
        {"name": "shared/tone", "version": 2},
    ]
    raw = client.get(f"{PROMPTS}/reply?resolve=false", headers=auth()).get_json()
    assert (raw["prompt"], raw["resolutionGraph"]) == (parent, None)

    resolve, _ = load_function()  # the resolve function, our own API, same store
    rendered = resolve.post("/templates/reply/render", json={"variables": {"who": "Ada"}})
    assert rendered.status_code == 200, rendered.get_data(as_text=True)
    assert rendered.get_json()["rendered"] == "Reply. Be kind to Ada. Be brief."
    assert rendered.get_json()["composition"]["root"] == {"name": "reply", "version": 1}

    create(
        client,
        auth(),
        name="loop",
        prompt="@@@langfusePrompt:name=loop|label=production@@@",
        labels=["production"],
    )
    assert_langfuse_error(client.get(f"{PROMPTS}/loop", headers=auth()), 400, "InvalidRequestError")
    assert resolve.get("/templates/loop").status_code == 422


def test_answers_list_every_label_the_admin_api_shows_on_the_version(langfuse, admin):
    client, auth = langfuse
    create(client, auth(), name="many", prompt="one", labels=["production", "beta"])
    create(client, auth(), name="many", prompt="two", labels=["staging"])
    admin_client = admin()
    held = admin_client.get("/v1/templates/many").get_json()["labels"]
    assert held == {"production": 1, "beta": 1, "staging": 2}

    def labels(query: str) -> list[str]:
        response = client.get(f"{PROMPTS}/many{query}", headers=auth("service"))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["labels"]

    assert labels("") == ["beta", "production"]
    assert labels("?label=beta") == ["beta", "production"]
    assert labels("?version=1") == ["beta", "production"]
    assert labels("?version=2") == ["staging", "latest"]
    assert labels("?label=latest") == ["staging", "latest"]
    row = client.get(f"{PROMPTS}?name=many", headers=auth()).get_json()["data"][0]
    assert row["labels"] == sorted({*held, "latest"})


def test_labels_sent_with_a_create_follow_the_one_label_rule(langfuse):
    client, auth = langfuse
    bad = client.post(
        PROMPTS, json={"name": "strict", "prompt": "x", "labels": ["Not A Label"]}, headers=auth()
    )
    body = assert_langfuse_error(bad, 400, "InvalidRequestError")
    assert "label" in body["message"]
    assert client.get(f"{PROMPTS}/strict?version=1", headers=auth()).status_code == 404
