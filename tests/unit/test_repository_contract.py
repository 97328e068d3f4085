"""The layout and commands the design card fixes, checked so they cannot silently rot."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib

from shared.config import Settings
from tests.conftest import ROOT


def test_every_function_folder_has_a_main_with_an_entry_point_named_after_it():
    functions = sorted(p.parent.name for p in (ROOT / "functions").glob("*/main.py"))
    assert "resolve" in functions
    for name in functions:
        source = (ROOT / "functions" / name / "main.py").read_text()
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), name


def test_runtime_requirements_are_pinned():
    """Exact pins from the registry; the only other kind is this repository's own client
    distribution, installed from the source tree the functions deploy."""
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    for line in lines:
        if line and not line.startswith("#"):
            if line.startswith("./"):
                assert (ROOT / line / "pyproject.toml").exists(), line
                assert line.startswith("./clients/"), line
                continue
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.]*", line), line


def test_every_setting_is_documented_in_the_configuration_doc():
    reference = (ROOT / "docs" / "configuration.md").read_text()
    for field in Settings.model_fields.values():
        assert f"`{field.alias}`" in reference, f"{field.alias} is not in docs/configuration.md"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make dev" in (ROOT / "README.md").read_text()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["tool"]["pytest"]["ini_options"]["testpaths"]


_IMPORT_RESOLVE = """
import importlib.util, sys
HEAVY = ("google.cloud.firestore", "google.cloud.pubsub", "grpc", "google.api_core")
spec = importlib.util.spec_from_file_location("main", "functions/resolve/main.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
heavy = sorted(m for m in sys.modules if m.startswith(HEAVY))
print(",".join(heavy))
"""


_IMPORT_RULES = """
import sys
HEAVY = ("google.cloud.", "grpc", "google.api_core")
import shared.revision, shared.templates.rules, shared.experiments.rules, shared.guardrails.rules
print(",".join(sorted(m for m in sys.modules if m.startswith(HEAVY))))
"""


def _heavy_imports(script: str) -> str:
    env = {**os.environ, "GOOGLE_CLOUD_PROJECT": "demo-import", "ENVIRONMENT": "test"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_loading_the_resolve_function_imports_no_google_client():
    """Cold start: Firestore's client (~0.25 s) loads on the first lookup, not at import."""
    assert _heavy_imports(_IMPORT_RESOLVE) == ""


def test_the_write_rules_import_no_google_client():
    """What lets every rule run in a unit test without an emulator (docs/architecture.md,
    "Where each rule lives")."""
    assert _heavy_imports(_IMPORT_RULES) == ""


_FORK_AND_REPORT = """
import json, os, sys
from shared.storage import firestore

firestore.import_in_each_worker()
parent = "google.cloud.firestore" in sys.modules
read, write = os.pipe()
pid = os.fork()
if pid == 0:  # what the worker has the moment fork returns, before it could serve
    os.write(write, json.dumps("google.cloud.firestore" in sys.modules).encode())
    os._exit(0)
os.close(write)
child = json.loads(os.read(read, 1000))
os.waitpid(pid, 0)
print(json.dumps({"parent": parent, "child": child,
                  "parent_after": "google.cloud.firestore" in sys.modules}))
"""


def test_each_forked_worker_imports_the_firestore_client_and_the_master_does_not():
    """gunicorn's master imports the function and forks the worker: the client library is
    imported in the worker before it serves, never in the master (docs/operations.md)."""
    report = json.loads(_heavy_imports(_FORK_AND_REPORT))
    assert report == {"parent": False, "child": True, "parent_after": False}
