"""A running experiment in the resolve path, over HTTP on the emulator: the user's variant,
named in the answer; the label as usual without a user key; no read per request; the last
known experiments when Firestore goes away."""

from __future__ import annotations

import pytest
from growthbook.core import chooseVariation, gbhash, getBucketRanges

from shared.errors import StoreUnavailable
from tests.e2e.conftest import ADMIN_SOURCE
from tests.e2e.test_admin_guardrails_experiments import EXPERIMENT, _template_with_versions

pytestmark = pytest.mark.emulator


@pytest.fixture
def running(load_function):
    admin, _ = load_function(source=ADMIN_SOURCE, target="admin", role="admin")
    _template_with_versions(admin)
    created = admin.post("/v1/experiments", json={**EXPERIMENT, "coverage": 0.9}).get_json()
    admin.post(f"/v1/experiments/{EXPERIMENT['id']}/start")
    return created


def test_users_get_their_growthbook_variant_and_the_answer_names_it(load_function, running):
    client, module = load_function()
    ranges = getBucketRanges(2, 0.9, [0.5, 0.5])
    seen = set()
    for index in range(40):
        key = f"user-{index}"
        body = client.get("/templates/exp_target", query_string={"user_key": key}).get_json()
        expected = chooseVariation(gbhash(running["seed"], key, 2), ranges)
        experiment = body["experiment"]
        assert experiment["id"] == "shorter-prompt"
        if expected < 0:
            assert (experiment["variant"], experiment["reason"]) == ("control", "not_in_coverage")
            assert experiment["in_experiment"] is False
            assert body["version"] == 1
        else:
            name = ["control", "short"][expected]
            assert (experiment["variant"], experiment["in_experiment"]) == (name, True)
            assert body["version"] == [1, 2][expected]
            seen.add(name)
        assert body["label"] == "production"
        again = client.get("/templates/exp_target", query_string={"user_key": key}).get_json()
        assert again["experiment"]["variant"] == experiment["variant"]
    assert seen == {"control", "short"}
    reads = module.app.services.service.experiments.store_reads
    for index in range(20):
        client.get("/templates/exp_target", query_string={"user_key": f"more-{index}"})
    assert (
        module.app.services.service.experiments.store_reads == reads
    )  # cached: no read per request


def test_render_assigns_too_and_no_user_key_serves_the_label_without_a_lookup(
    load_function, running
):
    client, module = load_function()
    body = client.get("/templates/exp_target").get_json()
    assert (body["experiment"], body["label"], body["version"]) == (None, "production", 1)
    assert (
        module.app.services.service.experiments.store_reads == 0
    )  # nothing to assign: never looked up
    rendered = client.post(
        "/templates/exp_target/render",
        json={"variables": {"topic": "tides", "grade_level": "4"}, "user_key": "user-7"},
    ).get_json()
    assert rendered["experiment"]["id"] == "shorter-prompt"
    pinned = client.get("/templates/exp_target", query_string={"version": 2, "user_key": "u"})
    assert pinned.get_json()["experiment"] is None  # a pinned version is never re-routed


def test_last_known_experiments_keep_running_when_firestore_fails(load_function, running, mocker):
    client, module = load_function()
    key = "user-3"
    before = client.get("/templates/exp_target", query_string={"user_key": key}).get_json()
    experiments = module.app.services.service.experiments
    store = experiments._store
    mocker.patch.object(store, "running", side_effect=StoreUnavailable("injected"))
    experiments._snapshot.forget()  # as on a cold start
    cold = client.get("/templates/exp_target", query_string={"user_key": key}).get_json()
    assert cold["experiment"] is None  # nothing known yet: no experiment, the label as usual

    mocker.stopall()
    client.get("/templates/exp_target", query_string={"user_key": key})  # learns them again
    mocker.patch.object(store, "running", side_effect=StoreUnavailable("injected"))
    experiments._snapshot.expire()  # the next request tries Firestore, fails
    after = client.get("/templates/exp_target", query_string={"user_key": key}).get_json()
    assert after["experiment"]["variant"] == before["experiment"]["variant"]
