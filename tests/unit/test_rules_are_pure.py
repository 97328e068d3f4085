"""The write rules import no Google client, so they load and run without Firestore."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

_IMPORT_RULES = """
import sys
import shared.revision, shared.templates.rules, shared.experiments.rules, shared.guardrails.rules
print(",".join(sorted(m for m in sys.modules if m.startswith(("google.cloud.", "grpc")))))
"""


def test_rule_modules_import_no_google_client():
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_RULES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == ""
