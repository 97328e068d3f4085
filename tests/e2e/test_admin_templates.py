"""The admin API's templates, labels, diff, delete and audit log, over HTTP on the emulator."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_problem

pytestmark = pytest.mark.emulator

BODY = {"template": "Explain {{topic}} for grade {{grade_level}}.", "commit_message": "first"}


def test_create_version_label_activate_and_resolve_the_lifecycle(admin):
    client = admin()
    created = client.post("/v1/templates", json={"name": "explainer", **BODY})
    assert created.status_code == 201, created.get_data(as_text=True)
    v1 = created.get_json()
    assert (v1["version"], v1["author"], v1["commit_message"]) == (1, "key:test-admin", "first")
    assert v1["variables"] == ["topic", "grade_level"]

    v2 = client.put(
        "/v1/templates/explainer",
        json={**BODY, "template": "v2 {{topic}}", "commit_message": "shorter"},
    )
    assert v2.status_code == 201
    assert (v2.get_json()["version"], v2.get_json()["parent_version"]) == (2, 1)
    same = client.post(
        "/v1/templates/explainer/versions", json={**BODY, "template": "v2 {{topic}}"}
    )
    assert (
        assert_problem(same, 409, "conflict")["version"] == 2
    )  # identical content: nothing created

    assert (
        client.post("/v1/templates/explainer/activate", json={"version": 1}).get_json()[
            "to_version"
        ]
        == 1
    )
    moved = client.put("/v1/templates/explainer/labels/production", json={"version": 2}).get_json()
    assert (moved["from_version"], moved["to_version"]) == (1, 2)
    staging = client.put("/v1/templates/explainer/labels/staging", json={"version": 1})
    assert staging.status_code == 200

    head = client.get("/v1/templates/explainer")
    assert head.get_json()["labels"] == {"production": 2, "staging": 1}
    assert head.headers["ETag"] == f'"r{head.get_json()["revision"]}"'

    back = client.post("/v1/templates/explainer/rollback", json={"label": "production"}).get_json()
    assert (back["from_version"], back["to_version"]) == (2, 1)
    nothing = client.post("/v1/templates/explainer/rollback", json={"label": "production"})
    assert_problem(nothing, 409, "conflict")  # rollbacks walk back through moves; v1 had no earlier

    label = client.get("/v1/templates/explainer/labels/production").get_json()
    assert label["version"] == 1
    assert [(h["kind"], h["from_version"], h["to_version"]) for h in label["history"]] == [
        ("rollback", 2, 1),
        ("move", 1, 2),
        ("move", None, 1),
    ]


def test_versions_page_diff_and_version_reads(admin):
    client = admin()
    client.post("/v1/templates", json={"name": "d", **BODY})
    client.put(
        "/v1/templates/d",
        json={
            **BODY,
            "template": "Explain {{topic}}.\nBriefly.",
            "model_config": {"temperature": 0.9},
        },
    )
    client.put("/v1/templates/d", json={**BODY, "template": "third {{topic}}"})
    first = client.get("/v1/templates/d/versions?limit=2").get_json()
    assert [v["version"] for v in first["items"]] == [3, 2]
    rest = client.get(f"/v1/templates/d/versions?limit=2&cursor={first['next_cursor']}").get_json()
    assert [v["version"] for v in rest["items"]] == [1]
    assert rest["next_cursor"] is None
    diff = client.get("/v1/templates/d/diff?from=1&to=2").get_json()
    assert "-Explain {{topic}} for grade {{grade_level}}." in diff["text_diff"]
    assert "+Briefly." in diff["text_diff"]
    assert {"field": "model_config.temperature", "from": 0.2, "to": 0.9} in diff["changes"]
    version = client.get("/v1/templates/d/versions/2")
    assert version.get_json()["model_config"]["temperature"] == 0.9
    assert version.headers["ETag"]
    assert_problem(client.get("/v1/templates/d/versions/9"), 404, "version-not-found")
    assert_problem(client.get("/v1/templates/d/diff?from=1"), 400, "bad-request")


def test_stale_if_match_is_412_and_a_fresh_one_passes(admin):
    client = admin()
    client.post("/v1/templates", json={"name": "etag", **BODY})
    etag = client.get("/v1/templates/etag").headers["ETag"]
    assert (
        client.put(
            "/v1/templates/etag", json={**BODY, "template": "b"}, headers={"If-Match": etag}
        ).status_code
        == 201
    )
    stale = client.put(
        "/v1/templates/etag", json={**BODY, "template": "c"}, headers={"If-Match": etag}
    )
    assert assert_problem(stale, 412, "precondition-failed")["current_etag"] != etag
    assert_problem(
        client.put(
            "/v1/templates/etag", json={**BODY, "template": "c"}, headers={"If-Match": 'W/"r1"'}
        ),
        412,
        "precondition-failed",
    )
    fresh = client.get("/v1/templates/etag").headers["ETag"]
    assert (
        client.post(
            "/v1/templates/etag/activate", json={"version": 2}, headers={"If-Match": fresh}
        ).status_code
        == 200
    )


def test_delete_is_refused_while_labelled_then_soft_and_restorable_and_audited(admin):
    client = admin()
    client.post("/v1/templates", json={"name": "gone", **BODY})
    client.post("/v1/templates/gone/activate", json={"version": 1})
    assert_problem(client.delete("/v1/templates/gone"), 409, "conflict")
    assert client.delete("/v1/templates/gone/labels/production").status_code == 200
    assert client.delete("/v1/templates/gone").status_code == 204
    assert client.get("/v1/templates/gone").get_json()["deleted"] is True
    assert_problem(client.put("/v1/templates/gone", json=BODY), 404, "template-not-found")
    assert_problem(client.post("/v1/templates", json={"name": "gone", **BODY}), 409, "conflict")
    assert client.post("/v1/templates/gone/restore").get_json()["deleted"] is False

    log = client.get("/v1/audit-log?target=templates/gone").get_json()["items"]
    assert [e["action"] for e in log] == [  # the template's own changes and its labels'
        "template.restore",
        "template.delete",
        "label.remove",
        "label.move",
        "template.create",
    ]
    assert all(e["actor"] == "key:test-admin" and e["request_id"] for e in log)
    labels = client.get("/v1/audit-log?target=templates/gone/labels/production").get_json()["items"]
    assert [e["action"] for e in labels] == ["label.remove", "label.move"]


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "allowed"),
    [
        (None, "GET", "/v1/templates", None, 401),
        ("service", "GET", "/v1/templates", None, 403),
        ("viewer", "GET", "/v1/templates", None, 200),
        ("viewer", "POST", "/v1/templates", {"name": "r", **BODY}, 403),
        ("editor", "POST", "/v1/templates", {"name": "r", **BODY}, 201),
        ("editor", "POST", "/v1/templates/seeded/activate", {"version": 1}, 403),
        ("publisher", "POST", "/v1/templates/seeded/activate", {"version": 1}, 200),
        ("publisher", "DELETE", "/v1/templates/seeded", None, 403),
        ("admin", "DELETE", "/v1/templates/seeded", None, 204),
    ],
)
def test_role_matrix(admin, api_keys, role, method, path, body, allowed):
    setup = admin()
    setup.post("/v1/templates", json={"name": "seeded", **BODY})
    client = admin(role=role)
    response = client.open(path, method=method, json=body)
    assert response.status_code == allowed, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "slug"),
    [
        (
            "POST",
            "/v1/templates",
            {"json": {"name": "x", **BODY, "colour": "red"}},
            422,
            "validation-failed",
        ),
        ("POST", "/v1/templates", {"json": {"name": "../x", **BODY}}, 422, "validation-failed"),
        (
            "POST",
            "/v1/templates",
            {"json": {"name": "x", "template": "{{a}}", "variables": ["b"]}},
            422,
            "validation-failed",
        ),
        ("POST", "/v1/templates", {"json": {"name": "x"}}, 422, "validation-failed"),
        (
            "POST",
            "/v1/templates",
            {"data": "x", "content_type": "text/plain"},
            415,
            "unsupported-media-type",
        ),
        (
            "POST",
            "/v1/templates",
            {"data": "{", "content_type": "application/json"},
            400,
            "bad-request",
        ),
        ("PATCH", "/v1/templates", {}, 405, "method-not-allowed"),
        ("GET", "/v1/templates?limit=0", {}, 400, "bad-request"),
        ("GET", "/v1/templates?cursor=@@", {}, 400, "bad-request"),
        ("GET", "/v1/templates?colour=red", {}, 400, "bad-request"),
        ("GET", "/v1/templates/missing", {}, 404, "template-not-found"),
        ("GET", "/v1/nothing", {}, 404, "not-found"),
        (
            "PUT",
            "/v1/templates/missing/labels/production",
            {"json": {"version": 1}},
            404,
            "template-not-found",
        ),
        ("PUT", "/v1/templates/x/labels/Bad", {"json": {"version": 1}}, 422, "validation-failed"),
        (
            "PUT",
            "/v1/templates/x/labels/prod",
            {"json": {"version": "1"}},
            422,
            "validation-failed",
        ),
        (
            "DELETE",
            "/v1/templates/x",
            {"data": "{}", "content_type": "application/json"},
            400,
            "bad-request",
        ),
    ],
)
def test_bad_admin_input_gets_a_preciseassert_problem(admin, method, path, kwargs, status, slug):
    assert_problem(admin().open(path, method=method, **kwargs), status, slug)


def test_body_limit_is_413(admin):
    client = admin(MAX_REQUEST_BYTES="2048")
    assert_problem(
        client.post("/v1/templates", json={"name": "big", "template": "x" * 5000}),
        413,
        "payload-too-large",
    )


def test_openapi_document_is_generated_from_the_models(admin):
    document = admin(role="viewer").get("/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    create = document["paths"]["/v1/templates"]["post"]
    assert create["x-required-role"] == "editor"
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False
    assert {"name", "template", "model_config"} <= set(schema["properties"])
    assert "/v1/templates/{name}/labels/{label}" in document["paths"]
    assert document["components"]["securitySchemes"]["apiKey"]["name"] == "X-API-Key"


def test_a_new_version_inherits_what_the_request_omits_and_says_so(admin):
    client = admin()
    created = client.post(
        "/v1/templates",
        json={
            "name": "faq_answer",
            "description": "answers FAQs",
            "template": "Answer {{question}} for grade {{grade_level}}.",
            "model_config": {"temperature": 0.3, "max_output_tokens": 512},
            "commit_message": "first draft",
        },
    ).get_json()
    assert created["inherited"] == []

    v2 = client.put(
        "/v1/templates/faq_answer",
        json={"template": "Answer {{question}} simply.", "commit_message": "simpler"},
    )
    assert v2.status_code == 201, v2.get_data(as_text=True)
    body = v2.get_json()
    assert body["parent_version"] == 1
    assert body["model_config"]["temperature"] == 0.3  # not reset to the 0.2 default
    assert body["model_config"]["max_output_tokens"] == 512
    assert body["description"] == "answers FAQs"
    assert body["variables"] == ["question"]  # the new body's own placeholders
    assert "model_config.temperature" in body["inherited"]
    assert "description" in body["inherited"]
    assert "template" not in body["inherited"]
    assert "variables" not in body["inherited"]

    # Only a model setting: the body, its variables and every other setting come from v2.
    v3 = client.post(
        "/v1/templates/faq_answer/versions", json={"model_config": {"temperature": 0.7}}
    ).get_json()
    assert (v3["version"], v3["parent_version"]) == (3, 2)
    assert v3["template"] == "Answer {{question}} simply."
    assert v3["model_config"]["temperature"] == 0.7
    assert v3["model_config"]["max_output_tokens"] == 512
    assert "model_config.temperature" not in v3["inherited"]
    assert {"template", "variables", "description", "model_config.max_output_tokens"} <= set(
        v3["inherited"]
    )
    # The stored version is what the answer said, and the head's description was kept.
    stored = client.get("/v1/templates/faq_answer/versions/3").get_json()
    assert stored["model_config"] == v3["model_config"]
    assert "inherited" not in stored
    assert client.get("/v1/templates/faq_answer").get_json()["description"] == "answers FAQs"

    # Everything omitted is everything inherited: identical content, so nothing is created.
    assert_problem(client.post("/v1/templates/faq_answer/versions", json={}), 409, "conflict")


def test_an_explicit_null_clears_an_inherited_setting(admin):
    client = admin()
    client.post(
        "/v1/templates",
        json={"name": "topk", "template": "Hi {{who}}", "model_config": {"top_k": 40}},
    )
    v2 = client.post(
        "/v1/templates/topk/versions", json={"model_config": {"top_k": None}}
    ).get_json()
    assert v2["model_config"]["top_k"] is None
    assert "model_config.top_k" not in v2["inherited"]
