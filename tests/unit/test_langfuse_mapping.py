"""The Langfuse view's pure parts: the Basic key pair on the one authenticator, the second
rendering of the one error hierarchy, the shapes both ways, placeholder rendering, folder
names as document ids, and `latest` in resolution."""

from __future__ import annotations

import base64
import json

import pytest

from shared import errors
from shared.auth.authenticator import Authenticator
from shared.auth.credentials import CredentialsSource, file_fetcher, public_key_of
from shared.auth.tokens import GoogleIdTokenVerifier
from shared.http.problems import langfuse_error_response
from shared.langfuse_api import shapes
from shared.storage.templates import document_id
from shared.templates.model import PromptTemplate, check_template_name
from shared.templates.service import render
from tests.support import write_credentials


@pytest.fixture
def authenticator(tmp_path):
    path = tmp_path / "credentials.json"
    keys = write_credentials(path)
    source = CredentialsSource(file_fetcher(path), ttl=60)
    return Authenticator(credentials=source, verifier=GoogleIdTokenVerifier(None)), keys


def basic(public: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{public}:{secret}".encode()).decode()}


def test_a_minted_key_is_a_langfuse_pair(authenticator):
    auth, keys = authenticator
    principal = auth.require(basic(public_key_of("test-editor"), keys["editor"]), "editor")
    assert principal.id == "key:test-editor"
    with pytest.raises(errors.Forbidden):
        auth.require(basic(public_key_of("test-editor"), keys["editor"]), "publisher")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic " + base64.b64encode(b":secret-only").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
    ],
)
def test_malformed_basic_is_a_401(authenticator, headers):
    auth, _ = authenticator
    with pytest.raises(errors.Unauthenticated):
        auth.require(headers, "service")


def test_halves_of_different_keys_are_a_401(authenticator):
    auth, keys = authenticator
    with pytest.raises(errors.Unauthenticated, match="key pair"):
        auth.require(basic(public_key_of("test-admin"), keys["service"]), "service")
    with pytest.raises(errors.Unauthenticated):
        auth.require(basic(public_key_of("test-service"), keys["service"] + "x"), "service")


@pytest.mark.parametrize(
    ("error", "status", "name"),
    [
        (errors.TemplateNotFound("x"), 404, "LangfuseNotFoundError"),
        (errors.ValidationFailed("bad"), 400, "InvalidRequestError"),
        (errors.UnsupportedMediaType("json please"), 400, "InvalidRequestError"),
        (errors.Unauthenticated("who"), 401, "UnauthorizedError"),
        (errors.Forbidden("no"), 403, "AccessDeniedError"),
        (errors.WriteContention("busy"), 409, "ConflictError"),
        (errors.StoreUnavailable("down"), 503, "ServiceUnavailableError"),
        (errors.AppError("boom"), 500, "InternalServerError"),
    ],
)
def test_the_one_hierarchy_in_langfuses_shape(error, status, name):
    response = langfuse_error_response(error, request_id="r1", instance="/x")
    body = json.loads(response.get_data())
    assert (response.status_code, body["error"], body["message"]) == (status, name, error.detail)
    assert response.mimetype == "application/json"


def test_create_maps_onto_our_model_and_back():
    body = shapes.CreatePrompt.model_validate(
        {
            "name": "a/b",
            "type": "chat",
            "prompt": [
                {"role": "system", "content": "Hi {{who}}"},
                {"type": "placeholder", "name": "history"},
            ],
            "config": {"temperature": 0.3},
            "tags": ["x", "x"],
            "labels": None,
            "commitMessage": None,
        }
    )
    template = body.content(None)
    assert template.messages is not None
    assert [m.role for m in template.messages] == ["system", "placeholder"]
    assert template.variables == ["who"]  # a placeholder's name is no {{variable}}
    assert template.tags == ["x"]
    answer = shapes.prompt_answer(
        template.model_copy(update={"version": 3}), labels=["production"], graph=None
    )
    assert answer["prompt"][1] == {"type": "placeholder", "name": "history"}
    assert answer["config"]["temperature"] == 0.3
    assert (answer["type"], answer["version"], answer["tags"]) == ("chat", 3, ["x"])


def test_omitted_tags_are_the_parents_and_unknown_config_keys_are_refused():
    parent = PromptTemplate(name="p", template="x", tags=["keep"], description="d")
    body = shapes.CreatePrompt.model_validate({"name": "p", "prompt": "y"})
    assert body.content(parent).tags == ["keep"]
    assert body.content(parent).description == "d"
    bad = shapes.CreatePrompt.model_validate({"name": "p", "prompt": "y", "config": {"seed": 1}})
    with pytest.raises(errors.ValidationFailed, match="config"):
        bad.content(None)


def test_placeholders_render_from_a_list_of_messages():
    chat = PromptTemplate(
        name="c",
        messages=[
            {"role": "system", "content": "Hi {{who}}"},
            {"role": "placeholder", "content": "history"},
        ],
    )
    _, messages, unused = render(
        chat, {"who": "Ada", "history": [{"role": "user", "content": "{{who}} stays"}]}
    )
    assert [(m.role, m.content) for m in messages or []] == [
        ("system", "Hi Ada"),
        ("user", "{{who}} stays"),  # the caller's messages are not rendered again
    ]
    assert unused == []
    with pytest.raises(errors.RenderError, match="placeholder 'history'"):
        render(chat, {"who": "Ada"})
    with pytest.raises(errors.RenderError):
        render(chat, {"who": "Ada", "history": [{"role": "placeholder", "content": "x"}]})


def test_folder_names_are_valid_and_map_onto_document_ids():
    assert check_template_name("team/support/greet") == "team/support/greet"
    assert document_id("team/support/greet") == "team%2Fsupport%2Fgreet"
    assert document_id("plain") == "plain"
    for bad in ("/x", "x/", "a//b", "a/../b", "a/.b", "x" * 129, "a%2Fb"):
        with pytest.raises(errors.ValidationFailed):
            check_template_name(bad)
