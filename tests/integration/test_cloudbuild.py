"""`cloudbuild.migrate-prompts.yaml`: checked statically, then its migration steps executed
locally against the emulator (the GCS export step needs GCP and is checked statically only)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from shared.migrations.__main__ import build_parser
from tests.conftest import PROJECT, ROOT

CONFIG = yaml.safe_load((ROOT / "cloudbuild.migrate-prompts.yaml").read_text())
STEPS = {step["id"]: step for step in CONFIG["steps"]}
SCRIPT_TEXT = "\n".join(step["args"][-1] for step in CONFIG["steps"])


def test_steps_run_in_the_safe_order():
    assert list(STEPS) == ["install", "plan", "backup", "migrate", "verify"]


def test_build_has_a_timeout_a_dedicated_account_and_logging_it_needs():
    assert re.fullmatch(r"\d+s", CONFIG["timeout"])
    assert 0 < int(CONFIG["timeout"][:-1]) <= 3600
    assert "serviceAccounts/prompt-migrator@" in CONFIG["serviceAccount"]
    assert CONFIG["options"]["logging"] == "CLOUD_LOGGING_ONLY"


def test_substitutions_are_declared_used_and_bash_variables_escaped():
    declared = set(CONFIG["substitutions"])
    assert {
        "_TARGET_PROJECT",
        "_FIRESTORE_DATABASE",
        "_BACKUP_BUCKET",
        "_DRY_RUN",
        "_ACTION",
        "_TARGET",
    } <= declared
    text = (ROOT / "cloudbuild.migrate-prompts.yaml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{?(_[A-Z_]+)", text))
    assert used == declared
    # Cloud Build substitutes every $word: shell variables must be written $$word.
    assert not re.findall(r"(?<!\$)\$(?!\$)(?!\{?_?[A-Z])", SCRIPT_TEXT)


def test_install_uses_a_venv_under_workspace_and_pinned_requirements():
    script = STEPS["install"]["args"][-1]
    assert "venv /workspace/.venv" in script
    assert "-r requirements.txt" in script


def test_backup_is_a_managed_export_to_the_bucket_before_up():
    script = STEPS["backup"]["args"][-1]
    assert "gcloud firestore export" in script
    assert "gs://${_BACKUP_BUCKET}/" in script
    assert '--database="${_FIRESTORE_DATABASE}"' in script


def _migration_argv(script: str) -> list[list[str]]:
    found = []
    for raw in script.splitlines():
        if "-m shared.migrations" in raw:
            line = raw.split("#")[0].replace("$$flags", "--backup=none --target=0")
            for action in ("up", "down"):
                words = shlex.split(line.replace("${_ACTION}", action))
                found.append(words[words.index("shared.migrations") + 1 :])
    return found


@pytest.mark.parametrize("step", ["plan", "migrate", "verify"])
def test_every_migration_command_in_the_build_exists(step):
    argvs = _migration_argv(STEPS[step]["args"][-1])
    assert argvs
    for argv in argvs:
        build_parser().parse_args([a.replace("$BUILD_ID", "b-1") for a in argv])


def _run_step(
    step_id: str, substitutions: dict[str, str], emulator_host: str
) -> subprocess.CompletedProcess:
    step = STEPS[step_id]
    script = step["args"][-1]
    values = {**CONFIG["substitutions"], **substitutions, "BUILD_ID": "local-build"}
    for name in sorted(values, key=len, reverse=True):
        script = script.replace("${" + name + "}", values[name]).replace("$" + name, values[name])
    script = script.replace("$$", "$").replace("/workspace/.venv/bin/python", sys.executable)
    env = {**os.environ, "FIRESTORE_EMULATOR_HOST": emulator_host}
    for item in step.get("env", []):
        key, _, value = item.partition("=")
        env[key] = value.replace("${_TARGET_PROJECT}", values["_TARGET_PROJECT"]).replace(
            "${_FIRESTORE_DATABASE}", values["_FIRESTORE_DATABASE"]
        )
    env["ENVIRONMENT"] = "test"  # production refuses emulator hosts, by design
    return subprocess.run(
        ["bash", *step["args"][:-1], script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.emulator
def test_the_build_steps_migrate_and_verify_against_the_emulator(clean_firestore):
    host = clean_firestore.host
    substitutions = {"_TARGET_PROJECT": PROJECT, "_DRY_RUN": "true"}
    for step in ("plan", "migrate", "verify"):
        result = _run_step(step, substitutions, host)
        assert result.returncode == 0, result.stdout + result.stderr
    dry = _run_step("migrate", substitutions, host)
    assert "would apply 0002_seed_templates" in dry.stdout

    substitutions["_DRY_RUN"] = "false"
    for step in ("plan", "migrate", "verify"):
        result = _run_step(step, substitutions, host)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "verify: 9/9 checks passed" in result.stdout
    assert "nothing to apply" in _run_step("migrate", substitutions, host).stdout

    # Rollback through the same job: _ACTION=down with _TARGET=0 reverts everything.
    rollback = _run_step("migrate", {**substitutions, "_ACTION": "down", "_TARGET": "0"}, host)
    assert rollback.returncode == 0, rollback.stdout + rollback.stderr
    assert "reverted: 5 migration(s)" in rollback.stdout
    assert _run_step("migrate", {**substitutions, "_ACTION": "drop"}, host).returncode == 2
