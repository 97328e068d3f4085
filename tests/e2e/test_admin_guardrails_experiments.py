"""Guardrails and experiments in the admin API, over HTTP on the emulator."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_problem
from tests.e2e.test_admin_templates import BODY

pytestmark = pytest.mark.emulator

PII = {
    "name": "pii_strict",
    "type": "pii_detection",
    "threshold": 0.4,
    "action": "redact",
    "surfaces": ["input_variables", "response"],
    "config": {"entities": ["EMAIL", "PHONE"]},
}


# Every field a PUT must state: it replaces the whole configuration.
FULL_SPEC = (
    "type",
    "description",
    "threshold",
    "action",
    "surfaces",
    "active",
    "fail_mode",
    "config",
)


def test_guardrail_put_is_a_full_replacement_and_refuses_an_incomplete_spec(admin):
    client = admin()
    client.post("/v1/guardrails", json={**PII, "description": "strict PII", "fail_mode": "closed"})
    client.post("/v1/guardrails/pii_strict/deactivate")
    partial = {k: v for k, v in PII.items() if k != "name"} | {"threshold": 0.6}

    refused = assert_problem(
        client.put("/v1/guardrails/pii_strict", json=partial), 422, "validation-failed"
    )
    missing = {e["field"] for e in refused["errors"]}
    assert missing == {"body.description", "body.active", "body.fail_mode"}
    kept = client.get("/v1/guardrails/pii_strict").get_json()  # nothing was written
    assert (kept["description"], kept["active"], kept["fail_mode"], kept["threshold"]) == (
        "strict PII",
        False,
        "closed",
        0.4,
    )

    full = {k: kept[k] for k in FULL_SPEC} | {"threshold": 0.6}
    replaced = client.put("/v1/guardrails/pii_strict", json=full).get_json()
    assert (replaced["description"], replaced["active"], replaced["threshold"]) == (
        "strict PII",
        False,
        0.6,
    )


def test_guardrail_lifecycle_validated_per_type_and_audited(admin):
    client = admin()
    created = client.post("/v1/guardrails", json=PII)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["revision"] == 1
    assert_problem(client.post("/v1/guardrails", json=PII), 409, "conflict")

    current = client.get("/v1/guardrails/pii_strict")
    etag = current.headers["ETag"]
    spec = {k: current.get_json()[k] for k in FULL_SPEC} | {"threshold": 0.6}
    replaced = client.put("/v1/guardrails/pii_strict", json=spec, headers={"If-Match": etag})
    assert replaced.get_json()["threshold"] == 0.6
    assert_problem(
        client.put("/v1/guardrails/pii_strict", json=spec, headers={"If-Match": etag}),
        412,
        "precondition-failed",
    )

    assert client.post("/v1/guardrails/pii_strict/deactivate").get_json()["active"] is False
    assert client.post("/v1/guardrails/pii_strict/activate").get_json()["active"] is True
    assert [g["name"] for g in client.get("/v1/guardrails").get_json()["items"]] == ["pii_strict"]
    assert client.delete("/v1/guardrails/pii_strict").status_code == 204
    assert_problem(client.get("/v1/guardrails/pii_strict"), 404, "guardrail-not-found")
    actions = [
        e["action"]
        for e in client.get("/v1/audit-log?target=guardrails/pii_strict").get_json()["items"]
    ]
    assert actions == [
        "guardrail.delete",
        "guardrail.activate",
        "guardrail.deactivate",
        "guardrail.replace",
        "guardrail.create",
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"threshold": 1.5},
        {"action": "shout"},
        {"surfaces": []},
        {"surfaces": ["response", "response"]},
        {"type": "mind_reading"},
        {"config": {"entities": ["DNA"]}},
        {"config": {"unknown_knob": 1}},
        {"colour": "red"},
    ],
)
def test_invalid_guardrails_are_422(admin, change):
    assert_problem(admin().post("/v1/guardrails", json={**PII, **change}), 422, "validation-failed")


def _template_with_versions(client, name="exp_target", versions=3):
    client.post("/v1/templates", json={"name": name, **BODY})
    for i in range(2, versions + 1):
        client.put(f"/v1/templates/{name}", json={**BODY, "template": f"v{i} {{{{topic}}}}"})
    client.post(f"/v1/templates/{name}/activate", json={"version": 1})


EXPERIMENT = {
    "id": "shorter-prompt",
    "template": "exp_target",
    "variants": [
        {"name": "control", "version": 1, "weight": 0.5},
        {"name": "short", "version": 2, "weight": 0.5},
    ],
}


def test_experiment_lifecycle_one_running_per_label_and_a_winner_moves_the_label(admin):
    client = admin()
    _template_with_versions(client)
    created = client.post("/v1/experiments", json=EXPERIMENT).get_json()
    assert (created["status"], created["hash_scheme"], created["coverage"]) == (
        "draft",
        "growthbook_v2",
        1.0,
    )
    assert len(created["seed"]) == 16

    edited = {k: v for k, v in EXPERIMENT.items() if k != "id"} | {"description": "try shorter"}
    assert (
        client.put("/v1/experiments/shorter-prompt", json=edited).get_json()["description"]
        == "try shorter"
    )
    assert client.post("/v1/experiments/shorter-prompt/start").get_json()["status"] == "running"
    assert_problem(
        client.put("/v1/experiments/shorter-prompt", json=edited), 409, "conflict"
    )  # running: frozen
    assert_problem(client.delete("/v1/experiments/shorter-prompt"), 409, "conflict")

    rival = {**EXPERIMENT, "id": "rival"}
    client.post("/v1/experiments", json=rival)
    assert (
        "already running"
        in assert_problem(client.post("/v1/experiments/rival/start"), 409, "conflict")["detail"]
    )
    client.delete("/v1/templates/exp_target/labels/production")
    assert (
        "is running"
        in assert_problem(client.delete("/v1/templates/exp_target"), 409, "conflict")["detail"]
    )

    assert_problem(
        client.post("/v1/experiments/shorter-prompt/stop", json={"winner": "nobody"}),
        422,
        "validation-failed",
    )
    stopped = client.post(
        "/v1/experiments/shorter-prompt/stop", json={"winner": "short", "note": "+4% success"}
    )
    assert stopped.get_json()["status"] == "stopped"
    assert stopped.get_json()["decision"]["winner"] == "short"
    assert client.get("/v1/templates/exp_target").get_json()["labels"]["production"] == 2
    assert (
        client.post("/v1/experiments/rival/start").get_json()["status"] == "running"
    )  # the lock was freed
    assert_problem(
        client.post("/v1/experiments/shorter-prompt/start"), 409, "conflict"
    )  # stopped stays stopped


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"variants": [{"name": "a", "version": 1, "weight": 1.0}]}, "body.variants"),
        (
            {
                "variants": [
                    {"name": "a", "version": 1, "weight": 0.5},
                    {"name": "a", "version": 2, "weight": 0.5},
                ]
            },
            "body",
        ),
        (
            {
                "variants": [
                    {"name": "a", "version": 1, "weight": 0.7},
                    {"name": "b", "version": 2, "weight": 0.7},
                ]
            },
            "body",
        ),
        (
            {
                "variants": [
                    {"name": "a", "version": 1, "weight": 0.5},
                    {"name": "b", "version": 9, "weight": 0.5},
                ]
            },
            "body.variants.1.version",
        ),
        ({"template": "no_such_template"}, "body.template"),
        ({"coverage": 0}, "body.coverage"),
        ({"hash_scheme": "sha1"}, "body.hash_scheme"),
        ({"id": "Bad Id"}, "body.id"),
        ({"seed": "has space"}, "body.seed"),
        ({"seed": ""}, "body.seed"),
        ({"seed": "x" * 65}, "body.seed"),
    ],
)
def test_invalid_experiments_are_422_naming_the_field(admin, change, field):
    client = admin()
    _template_with_versions(client)
    body = assert_problem(
        client.post("/v1/experiments", json={**EXPERIMENT, **change}), 422, "validation-failed"
    )
    assert any(e["field"].startswith(field) for e in body["errors"]), body["errors"]


def test_a_seed_chosen_at_creation_is_kept_through_a_draft_edit(admin):
    client = admin()
    _template_with_versions(client)
    created = client.post("/v1/experiments", json={**EXPERIMENT, "seed": "checkout-2026"})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["seed"] == "checkout-2026"
    edited = {k: v for k, v in EXPERIMENT.items() if k != "id"} | {"description": "edited"}
    assert client.put("/v1/experiments/shorter-prompt", json=edited).status_code == 200
    assert client.get("/v1/experiments/shorter-prompt").get_json()["seed"] == "checkout-2026"


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "status"),
    [
        ("viewer", "POST", "/v1/guardrails", PII, 403),
        ("editor", "POST", "/v1/guardrails", PII, 201),
        ("editor", "POST", "/v1/guardrails/pii_detection/deactivate", None, 403),
        ("publisher", "POST", "/v1/guardrails/pii_detection/deactivate", None, 200),
        ("publisher", "DELETE", "/v1/guardrails/pii_detection", None, 403),
        ("viewer", "POST", "/v1/experiments", EXPERIMENT, 403),
        ("editor", "POST", "/v1/experiments", EXPERIMENT, 201),
        ("editor", "POST", "/v1/experiments/seeded-exp/start", None, 403),
        ("publisher", "POST", "/v1/experiments/seeded-exp/start", None, 200),
        ("publisher", "DELETE", "/v1/experiments/seeded-exp", None, 403),
        ("admin", "DELETE", "/v1/experiments/seeded-exp", None, 204),
        ("service", "GET", "/v1/experiments", None, 403),
        (None, "GET", "/v1/guardrails", None, 401),
    ],
)
def test_role_matrix(admin, role, method, path, body, status):
    setup = admin()
    _template_with_versions(setup)
    setup.post("/v1/guardrails", json={**PII, "name": "pii_detection"})
    setup.post("/v1/experiments", json={**EXPERIMENT, "id": "seeded-exp"})
    response = admin(role=role).open(path, method=method, json=body)
    assert response.status_code == status, response.get_data(as_text=True)


def test_templates_and_experiments_page_by_cursor_without_gaps_or_repeats(admin):
    client = admin()
    _template_with_versions(client)
    for name in ("page_a", "page_b"):
        client.post("/v1/templates", json={"name": name, **BODY})
    for index in range(3):
        client.post("/v1/experiments", json={**EXPERIMENT, "id": f"draft-{index}"})

    def walk(path: str, key: str) -> list[str]:
        seen, cursor = [], None
        while True:
            page = client.get(path + (f"&cursor={cursor}" if cursor else "")).get_json()
            assert len(page["items"]) <= 2
            seen += [item[key] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    assert walk("/v1/templates?limit=2", "name") == ["exp_target", "page_a", "page_b"]
    assert walk("/v1/experiments?limit=2", "id") == ["draft-0", "draft-1", "draft-2"]
