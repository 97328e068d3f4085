"""Folder names (`team/support/greet`) through every API, served the way production serves
them (the functions-framework CLI: gunicorn decodes `%2F` in PATH_INFO, so only the request
line as received tells `a%2Fb` from `a/b`): the admin API, the resolve function and the
Langfuse-compatible function all reach the same template, and one validator refuses the same
names everywhere."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest
import requests

from infra.local.dev import ServedFunction
from shared.auth.credentials import parse_key_id, public_key_of
from tests.e2e.conftest import PATIENT_DEADLINES, functions_served, served_environment

pytestmark = pytest.mark.emulator

FOLDER = "team/support/greet"
ENCODED = "team%2Fsupport%2Fgreet"


@pytest.fixture(scope="module")
def served(
    firestore_emulator, api_keys, tmp_path_factory
) -> Iterator[Callable[[str], ServedFunction]]:
    log_dir = tmp_path_factory.mktemp("folder-logs")
    env = served_environment(
        firestore_emulator.host,
        api_keys["_file"],
        TEMPLATE_CACHE_TTL_SECONDS="0.01",
        **PATIENT_DEADLINES,
    )
    with functions_served(env, log_dir) as start:
        yield start


@pytest.fixture
def apis(served, api_keys, clean_firestore):
    """(admin, resolve, langfuse) callers: `call(method, path, role, **requests kwargs)`."""

    def caller(target: str) -> Callable[..., requests.Response]:
        function = served(target)

        def call(method: str, path: str, role: str = "admin", **kwargs) -> requests.Response:
            key = api_keys[role]
            if target == "langfuse":
                public = public_key_of(parse_key_id(key) or "")
                token = base64.b64encode(f"{public}:{key}".encode()).decode()
                headers = {"Authorization": f"Basic {token}"}
            else:
                headers = {"X-API-Key": key}
            return requests.request(
                method, function.url + path, headers=headers, timeout=30, **kwargs
            )

        return call

    return caller("admin"), caller("resolve"), caller("langfuse")


def test_a_folder_name_works_through_the_admin_api_resolve_and_langfuse(apis):
    admin, resolve, langfuse = apis
    created = admin("POST", "/v1/templates", json={"name": FOLDER, "template": "Hi {{who}}"})
    assert created.status_code == 201, created.text
    head = admin("GET", f"/v1/templates/{ENCODED}")
    assert head.status_code == 200, head.text
    assert head.json()["name"] == FOLDER
    added = admin("POST", f"/v1/templates/{ENCODED}/versions", json={"template": "Hey {{who}}!"})
    assert added.status_code == 201, added.text
    assert added.json()["version"] == 2
    moved = admin("PUT", f"/v1/templates/{ENCODED}/labels/production", json={"version": 2})
    assert moved.status_code == 200, moved.text
    assert admin("GET", f"/v1/templates/{ENCODED}/versions").json()["items"][0]["version"] == 2
    assert admin("GET", f"/v1/templates/{ENCODED}/labels/production").json()["version"] == 2
    listed = admin("GET", "/v1/templates").json()["items"]
    assert [t["name"] for t in listed] == [FOLDER]
    # Audit targets write the name's `/` as in paths, so filtering by the template finds
    # its parts (the label move) and nothing of a template named `team`.
    audit = admin("GET", "/v1/audit-log", params={"target": f"templates/{ENCODED}"}).json()
    assert [(e["action"], e["target"]) for e in audit["items"]] == [
        ("label.move", f"templates/{ENCODED}/labels/production"),
        ("template.version", f"templates/{ENCODED}"),
        ("template.create", f"templates/{ENCODED}"),
    ]

    got = resolve("GET", f"/templates/{ENCODED}", role="service")
    assert got.status_code == 200, got.text
    assert (got.json()["name"], got.json()["version"]) == (FOLDER, 2)
    rendered = resolve(
        "POST", f"/templates/{ENCODED}/render", role="service", json={"variables": {"who": "Ada"}}
    )
    assert rendered.status_code == 200, rendered.text
    assert rendered.json()["rendered"] == "Hey Ada!"

    via_langfuse = langfuse("GET", f"/api/public/v2/prompts/{ENCODED}", role="service")
    assert via_langfuse.status_code == 200, via_langfuse.text
    assert (via_langfuse.json()["name"], via_langfuse.json()["version"]) == (FOLDER, 2)


def test_an_encoded_slash_is_part_of_the_name_and_a_plain_slash_separates_segments(apis):
    """`a%2Fversions` is the template named `a/versions`; `a/versions` is template `a`'s
    version list. The same bytes decoded by the server must not be routed the same way."""
    admin, _, _ = apis
    for name in ("a", "a/versions"):
        response = admin("POST", "/v1/templates", json={"name": name, "template": name})
        assert response.status_code == 201, response.text
    assert admin("GET", "/v1/templates/a%2Fversions").json()["name"] == "a/versions"
    versions = admin("GET", "/v1/templates/a/versions")
    assert versions.status_code == 200, versions.text
    assert [v["name"] for v in versions.json()["items"]] == ["a"]
    # Lower-case hex is the same escape.
    assert admin("GET", "/v1/templates/a%2fversions").json()["name"] == "a/versions"


@pytest.mark.parametrize(
    "name",
    ["../x", "a//b", "a/", "/a", "a/.b", "a%25b", "x" * 129, "a/__b__"],
)
def test_every_api_refuses_the_same_invalid_names(apis, name):
    admin, resolve, langfuse = apis
    encoded = requests.utils.quote(name, safe="")
    created = admin("POST", "/v1/templates", json={"name": name, "template": "t"})
    assert created.status_code == 422, created.text
    assert admin("GET", f"/v1/templates/{encoded}").status_code == 422
    assert resolve("GET", f"/templates/{encoded}", role="service").status_code == 422
    via_langfuse = langfuse("POST", "/api/public/v2/prompts", json={"name": name, "prompt": "t"})
    assert via_langfuse.status_code == 400, via_langfuse.text
    assert admin("GET", "/v1/templates").json()["items"] == []  # nothing was written
