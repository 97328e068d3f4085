"""Terraform, checked offline against the code (no terraform binary here): it parses, and it
agrees with functions/, shared/config.py, the Pub/Sub wiring, firestore.indexes.json and
the Cloud Build job; nothing is public and every role is on the allowed list."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from shared.config import Settings

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "infra" / "terraform"
ALLOWED_ROLES = {
    "roles/datastore.viewer",
    "roles/datastore.user",
    "roles/datastore.importExportAdmin",
    "roles/logging.logWriter",
    "roles/pubsub.publisher",
    "roles/pubsub.subscriber",
    "roles/secretmanager.secretAccessor",
    "roles/run.invoker",
    "roles/iam.serviceAccountTokenCreator",
    "roles/storage.objectAdmin",
    "roles/bigquery.dataEditor",
}
PUBLIC = {"allUsers", "allAuthenticatedUsers"}


def unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def clean(node: Any) -> Any:
    """python-hcl2 keeps quotes and bookkeeping keys; drop both."""
    if isinstance(node, dict):
        return {unquote(k): clean(v) for k, v in node.items() if not k.startswith("__")}
    if isinstance(node, list):
        return [clean(v) for v in node]
    return unquote(node)


@pytest.fixture(scope="module")
def terraform() -> dict[str, Any]:
    merged: dict[str, Any] = {"resource": {}, "locals": {}, "variable": {}, "data": {}, "text": ""}
    for path in sorted(TERRAFORM.glob("*.tf")):
        text = path.read_text()
        merged["text"] += text
        with path.open() as handle:
            parsed = clean(hcl2.load(handle))
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                merged["resource"].setdefault(kind, {}).update(named)
        for block in parsed.get("locals", []):
            merged["locals"].update(block)
        for block in parsed.get("variable", []):
            merged["variable"].update(block)
        for block in parsed.get("data", []):
            merged["data"].update(block)
    return merged


def code_functions() -> dict[str, str]:
    """Entry point -> "http" or "pubsub", read from each functions/*/main.py decorator."""
    found = {}
    for main in sorted((ROOT / "functions").glob("*/main.py")):
        tree = ast.parse(main.read_text())
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                name = ast.unparse(decorator)
                if name == "functions_framework.http":
                    found[node.name] = "http"
                elif name == "functions_framework.cloud_event":
                    found[node.name] = "pubsub"
        assert main.parent.name in found, f"{main}: entry point must be named like its folder"
    return found


def env_of(expression: str) -> dict[str, str]:
    """The KEY = value pairs of a `${tomap({...})}` expression."""
    return dict(re.findall(r"(\w+) = ([^,}]+)", expression))


# Deployed values for variables that default to empty and have a shape of their own.
PLAUSIBLE = {"admin_iap_audience": "/projects/123456789/locations/europe-west1/services/admin"}


def resolve_value(raw: str, terraform: dict[str, Any]) -> str:
    """A plausible deployed value for an env var expression (for Settings validation)."""
    locals_, variables = terraform["locals"], terraform["variable"]
    if m := re.fullmatch(r"\$\{local\.(\w+)\}|local\.(\w+)", raw.strip()):
        value = locals_[m.group(1) or m.group(2)]
        return value if isinstance(value, str) else json.dumps(value)
    if m := re.search(r"var\.(\w+)", raw):
        default = variables[m.group(1)].get("default") or PLAUSIBLE.get(m.group(1), "my-project")
        return str(default).lower() if isinstance(default, bool) else str(default)
    if "secret_version" in raw:
        return "projects/my-project/secrets/s/versions/latest"
    if "google_firestore_database" in raw:
        return "(default)"
    return unquote(raw.strip())


def test_every_file_parses_and_the_providers_are_pinned(terraform):
    assert terraform["resource"], "no resources parsed"
    assert re.search(
        r'source\s*=\s*"hashicorp/google"\s*\n\s*version\s*=\s*"~> \d+\.\d+"', terraform["text"]
    )
    assert re.search(
        r'source\s*=\s*"hashicorp/google-beta"\s*\n\s*version\s*=\s*"~> \d+\.\d+"',
        terraform["text"],
    )
    assert 'backend "gcs"' in terraform["text"]


def test_every_function_in_the_code_is_deployed_with_its_trigger_and_vice_versa(terraform):
    declared = terraform["locals"]["functions"]
    assert {name: unquote(spec["trigger"]) for name, spec in declared.items()} == code_functions()
    functions = terraform["resource"]["google_cloudfunctions2_function"]
    assert set(functions) == {"http", "event"}
    for kind, trigger in (("http", "http"), ("event", "pubsub")):
        assert f'fn.trigger == \\"{trigger}\\"' in functions[kind]["for_each"] or (
            f'fn.trigger == "{trigger}"' in functions[kind]["for_each"]
        )
        build = functions[kind]["build_config"][0]
        assert build["entry_point"] == "${each.key}"
        assert (
            build["environment_variables"]["GOOGLE_FUNCTION_SOURCE"]
            == "functions/${each.key}/main.py"
        )
        assert (
            "google_service_account.fn[each.key]"
            in functions[kind]["service_config"][0]["service_account_email"]
        )
    subscriptions = terraform["resource"]["google_pubsub_subscription"]
    for name, spec in declared.items():
        if unquote(spec["trigger"]) != "pubsub":
            continue
        pushing = [
            sub
            for sub in subscriptions.values()
            if f'event[\\"{name}\\"]' in json.dumps(sub.get("push_config", ""))
            or f'event["{name}"]'
            in json.dumps(sub.get("push_config", [{}])[0].get("push_endpoint", ""))
        ]
        assert pushing, f"{name} needs a push subscription"
        topic_local = re.search(r"local\.(\w+)", spec["topic"]).group(1)
        pushed_topics = []
        for subscription in pushing:  # deliver_webhooks has two: changes and its tasks
            resource = re.search(r"google_pubsub_topic\.(\w+)", subscription["topic"]).group(1)
            topic_name = terraform["resource"]["google_pubsub_topic"][resource]["name"]
            pushed_topics.append(topic_name)
            endpoint = subscription["push_config"][0]["push_endpoint"]
            assert endpoint.endswith(f"/topics/{topic_name}")  # functions-framework needs it
            assert "oidc_token" in subscription["push_config"][0]
            assert "retry_policy" in subscription
        assert f"${{local.{topic_local}}}" in pushed_topics, f"{name}: its trigger topic"
        assert len(pushing) == len(set(pushed_topics)), f"{name}: one subscription per topic"


def test_executions_dead_letter_after_bounded_retries_with_the_iam_it_needs(terraform):
    record = terraform["resource"]["google_pubsub_subscription"]["record_execution"]
    policy = record["dead_letter_policy"][0]
    assert policy["max_delivery_attempts"] == 5  # infra/local/pubsub.py uses the same
    assert "google_pubsub_topic.dead_letter" in policy["dead_letter_topic"]
    assert (
        record["retry_policy"][0]["minimum_backoff"] != record["retry_policy"][0]["maximum_backoff"]
    )
    publisher = terraform["resource"]["google_pubsub_topic_iam_member"]["dead_letter_publisher"]
    subscriber = terraform["resource"]["google_pubsub_subscription_iam_member"][
        "dead_letter_subscriber"
    ]
    assert publisher["role"] == "roles/pubsub.publisher"
    assert subscriber["role"] == "roles/pubsub.subscriber"
    from infra.local.pubsub import MAX_DELIVERY_ATTEMPTS

    assert MAX_DELIVERY_ATTEMPTS == 5


def test_every_env_var_is_a_setting_and_each_function_starts_in_production(terraform):
    aliases = {field.alias for field in Settings.model_fields.values()}
    common = terraform["locals"]["common_env"]
    audience = env_of(terraform["locals"]["audience_env"])  # the non-empty branch
    for name, spec in terraform["locals"]["functions"].items():
        env = {**common, **audience, **env_of(spec["env"])}
        assert set(env) <= aliases, f"{name}: unknown env vars {set(env) - aliases}"
        values = {key: resolve_value(raw, terraform) for key, raw in env.items()}
        settings = Settings.from_env(values)  # raises on anything production refuses
        assert settings.environment == "production"
        assert settings.auth_config_secret


def test_topics_the_code_uses_exist(terraform):
    locals_ = terraform["locals"]
    topics = {spec["name"] for spec in terraform["resource"]["google_pubsub_topic"].values()}
    defaults = Settings.from_env({})
    assert "${local.executions_topic}" in topics
    assert "${local.tick_topic}" in topics
    assert locals_["executions_topic"] == defaults.executions_topic
    assert locals_["tick_topic"] == defaults.analytics_tick_topic
    assert locals_["dead_letter_topic"] == f"{defaults.executions_topic}-dead-letter"
    resolve_env = env_of(locals_["functions"]["resolve"]["env"])
    assert resolve_env["EXECUTIONS_TOPIC"].strip() == "local.executions_topic"
    publisher = terraform["resource"]["google_pubsub_topic_iam_member"][
        "resolve_publishes_executions"
    ]
    assert "google_pubsub_topic.executions" in publisher["topic"]


def test_indexes_and_ttl_come_from_the_file_the_query_tests_check(terraform):
    assert 'file("${path.module}/../../firestore.indexes.json")' in terraform["text"]
    spec = json.loads((ROOT / "firestore.indexes.json").read_text())
    assert {
        "collectionGroup": "executions",
        "fieldPath": "expire_at",
        "ttl": True,
        "indexes": [],
    } in spec["fieldOverrides"]
    assert "ttl_config" in terraform["resource"]["google_firestore_field"]["ttl"]
    assert (
        terraform["resource"]["google_firestore_database"]["default"]["type"] == "FIRESTORE_NATIVE"
    )


def iam_resources(terraform: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{kind}.{name}", body)
        for kind, named in terraform["resource"].items()
        if kind.endswith(("_iam_member", "_iam_binding", "_iam_policy"))
        for name, body in named.items()
    ]


def test_nothing_is_public(terraform):
    for address, body in iam_resources(terraform):
        members = body.get("members", [body.get("member", "")])
        assert not any(member in PUBLIC for member in members), address
    for variable in ("resolve_invokers", "admin_invokers"):
        validation = terraform["variable"][variable]["validation"][0]["condition"]
        assert "allUsers" in validation
        assert "allAuthenticatedUsers" in validation
    assert not any(kind.endswith(("_iam_binding", "_iam_policy")) for kind in terraform["resource"])


def test_every_role_granted_is_on_the_allowed_list(terraform):
    granted = set()
    for _address, body in iam_resources(terraform):
        role = body["role"]
        if role.startswith("roles/"):
            granted.add(role)
        else:
            assert role in {"${each.value.role}", "${each.value}"}, role
    for roles in terraform["locals"]["function_project_roles"].values():
        granted.update(roles)
    migrator = terraform["resource"]["google_project_iam_member"]["migrator_roles"]["for_each"]
    granted.update(re.findall(r"roles/[\w.]+", migrator))
    assert granted <= ALLOWED_ROLES, granted - ALLOWED_ROLES
    assert "roles/datastore.viewer" in terraform["locals"]["function_project_roles"]["resolve"]
    assert not granted & {"roles/owner", "roles/editor", "roles/viewer"}


def test_each_function_has_its_own_service_account_and_no_secret_value_is_in_state(terraform):
    accounts = terraform["resource"]["google_service_account"]
    assert accounts["fn"]["for_each"] == "${local.functions}"
    assert "google_secret_manager_secret_version" not in terraform["resource"]
    secrets = {
        body["secret_id"] for body in terraform["resource"]["google_secret_manager_secret"].values()
    }
    assert secrets == {"${local.auth_secret}", "${local.pseudonym_secret}"}


def test_cloud_build_job_and_terraform_agree(terraform):
    job = yaml.safe_load((ROOT / "cloudbuild.migrate-prompts.yaml").read_text())
    assert "prompt-migrator@" in job["serviceAccount"]
    assert (
        terraform["resource"]["google_service_account"]["migrator"]["account_id"]
        == "prompt-migrator"
    )
    assert job["substitutions"]["_BACKUP_BUCKET"] == "${PROJECT_ID}-prompt-backups"
    assert terraform["locals"]["backup_bucket"] == "${var.project_id}-prompt-backups"
    trigger = terraform["resource"]["google_cloudbuild_trigger"]["migrate"]
    assert trigger["filename"] == "cloudbuild.migrate-prompts.yaml"
    assert "google_service_account.migrator" in trigger["service_account"]
    backups = terraform["resource"]["google_storage_bucket"]["backups"]
    assert backups["uniform_bucket_level_access"] is True
    assert backups["versioning"][0]["enabled"] is True
    assert backups["lifecycle_rule"]


def test_scheduler_publishes_the_tick_and_bigquery_is_optional_and_off(terraform):
    job = terraform["resource"]["google_cloud_scheduler_job"]["analytics_tick"]
    assert "google_pubsub_topic.analytics_tick" in job["pubsub_target"][0]["topic_name"]
    assert terraform["variable"]["enable_bigquery"]["default"] is False
    for kind in ("google_bigquery_dataset", "google_bigquery_table"):
        for body in terraform["resource"][kind].values():
            assert "var.enable_bigquery" in body["count"]


def test_change_events_and_webhooks_have_their_topics_retries_dead_letter_and_publishers(
    terraform,
):
    from infra.local.changes import BACKSTOP_ATTEMPTS

    locals_, resources = terraform["locals"], terraform["resource"]
    defaults = Settings.from_env({})
    assert locals_["changes_topic"] == defaults.changes_topic
    assert locals_["changes_tick_topic"] == defaults.changes_tick_topic
    assert locals_["deliveries_topic"] == defaults.webhook_deliveries_topic
    assert locals_["webhook_dead_letter_topic"] == defaults.webhook_dead_letter_topic
    subscriptions = resources["google_pubsub_subscription"]
    for name in ("deliver_webhooks_changes", "deliver_webhooks_tasks"):
        policy = subscriptions[name]["dead_letter_policy"][0]
        assert "google_pubsub_topic.webhook_dead_letter" in policy["dead_letter_topic"]
        # The function dead-letters after WEBHOOK_MAX_ATTEMPTS; Pub/Sub's is the backstop.
        assert policy["max_delivery_attempts"] == BACKSTOP_ATTEMPTS
        assert policy["max_delivery_attempts"] > defaults.webhook_max_attempts
        retry = subscriptions[name]["retry_policy"][0]
        assert retry["minimum_backoff"] != retry["maximum_backoff"]  # exponential
    assert (
        "google_pubsub_topic.webhook_deliveries" in subscriptions["deliver_webhooks_tasks"]["topic"]
    )
    agent = resources["google_pubsub_subscription_iam_member"]["webhook_dead_letter_agent"]
    assert "deliver_webhooks_tasks" in json.dumps(agent["for_each"])
    assert agent["role"] == "roles/pubsub.subscriber"
    dead_letter = resources["google_pubsub_topic_iam_member"]["webhook_dead_letter_agent"]
    assert dead_letter["role"] == "roles/pubsub.publisher"
    job = resources["google_cloud_scheduler_job"]["changes_tick"]
    assert "google_pubsub_topic.changes_tick" in job["pubsub_target"][0]["topic_name"]
    publishers = locals_["change_publishers"]
    assert {pair["fn"] for pair in publishers.values()} == {
        "admin",
        "drain_changes",
        "deliver_webhooks",
    }
    functions = locals_["functions"]
    delivery_env = env_of(functions["deliver_webhooks"]["env"])
    assert delivery_env["WEBHOOK_DELIVERIES_TOPIC"].strip() == "local.deliveries_topic"
    assert env_of(functions["admin"]["env"])["CHANGES_TOPIC"].strip() == "local.changes_topic"
    # Production settings of the delivery function refuse private receivers.
    assert "WEBHOOK_ALLOW_PRIVATE_TARGETS" not in delivery_env
    assert terraform["locals"]["common_env"]["ENVIRONMENT"] == "production"
    invokers = resources["google_cloud_run_service_iam_member"]["pusher_invokes_events"]
    assert "deliver_webhooks" in invokers["for_each"]
    assert "drain_changes" in invokers["for_each"]
