"""What serving loads: the resolve function, from import to a rendered prompt with the
default guardrails (PII, toxic with its classifier, injection with its model), imports
none of scikit-learn, scipy or numpy; the toxic classifier scores from its exported
artifact, in plain Python."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import served_environment

pytestmark = pytest.mark.emulator

HEAVY = ("sklearn", "scipy", "numpy", "joblib", "profanity_check", "statsmodels")
PROGRAM = """
import json, sys
HEAVY = HEAVY_MODULES
from functions_framework import create_app
client = create_app(target="resolve", source="functions/resolve/main.py").test_client()
client.environ_base["HTTP_X_API_KEY"] = sys.argv[1]
assert client.get("/templates/nlu_extraction_gemini_25").status_code == 200
answers = {}
for label, query in (
    ("clean", "Why is the sky blue?"),
    ("toxic", "You are a worthless idiot."),
    ("pii", "Mail me at ada" + "@" + "example.com please."),
):
    response = client.post(
        "/templates/nlu_extraction_gemini_25/render",
        json={"variables": {"grade_level": "5", "student_query": query}},
    )
    answers[label] = [response.status_code, response.get_json()]
answers["heavy"] = sorted(m for m in HEAVY if m in sys.modules)
print("ANSWERS " + json.dumps(answers))
""".replace("HEAVY_MODULES", repr(HEAVY))


def test_the_resolve_function_renders_with_default_guardrails_without_the_scientific_stack(
    firestore_emulator, clean_firestore, api_keys
):
    env = served_environment(
        firestore_emulator.host,
        api_keys["_file"],
        LOG_LEVEL="WARNING",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, api_keys["service"]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("ANSWERS ")]
    answers = json.loads(line.removeprefix("ANSWERS "))
    assert answers["heavy"] == []
    status, clean = answers["clean"]
    ran = set(clean["guardrails"]["ran"])
    assert {"pii_detection", "toxic_content_filter", "prompt_injection_guard"} <= ran
    assert status == 200
    assert clean["guardrails"]["fired"] == []
    # The detectors really ran: the toxic classifier blocked an insult, PII redacted an email.
    status, toxic = answers["toxic"]
    assert status == 422
    assert "toxic_content_filter" in json.dumps(toxic)
    status, pii = answers["pii"]
    assert status == 200
    assert "pii_detection" in {e["guardrail"] for e in pii["guardrails"]["fired"]}
