"""A cold instance facing an unreachable Firestore: one budget for the whole request, no
experiment lookup without a user key, a fallback answer within that budget, then
milliseconds once the breaker is open. Also without any credentials at all.

Counts (reads attempted) are the proof; the time ceilings are generous bounds on a feature
that is a deadline (FIRESTORE_COLD_DEADLINE_SECONDS, 0.8 s by default).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

import pytest

from infra.local.emulators import free_port
from shared.bootstrap.resolution import resolution_service
from shared.config import Settings
from shared.templates.service import ResolutionService
from tests.conftest import PROJECT, ROOT

pytestmark = pytest.mark.emulator

CEILING = 1.5  # for the 1.0 s target; the budget itself is 0.8 s


def _service(host: str) -> ResolutionService:
    settings = Settings.from_env(
        {
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "ENVIRONMENT": "test",
            "FIRESTORE_EMULATOR_HOST": host,
            # These tests count the calls made within a request's budget; the change poll's
            # run on their own thread with their own (tests/unit/test_change_poll.py).
            "CHANGE_POLL_SECONDS": "0",
        }
    )
    return resolution_service(settings)


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_without_a_user_key_only_the_template_is_read_and_the_fallback_comes_in_time():
    service = _service(f"127.0.0.1:{free_port()}")

    first, elapsed = _timed(lambda: service.get("nlu_extraction_gemini_25"))

    assert (first.source, first.fallback_reason) == ("default", "firestore_unavailable")
    assert service.experiments.store_reads == 0  # nothing to assign: no lookup
    assert service.resolver.store_reads == 1
    print(f"\ncold fallback without user key: {elapsed:.3f} s")
    assert elapsed < CEILING


@dataclass(frozen=True)
class Grant:
    ends: float  # when the call's deadline falls (monotonic); at most the budget's end
    # when nothing was left to give
    budget_ends: float  # when the request's budget runs out


@pytest.fixture
def granted(monkeypatch) -> list[Grant]:
    """What each Firestore call was given, against the request's budget."""
    from shared.errors import StoreDeadlineExceeded
    from shared.resilience import current_budget
    from shared.storage import firestore

    grants: list[Grant] = []
    real = firestore.call_options

    def recording(timeout=None):
        budget = current_budget()
        assert budget is not None, "a Firestore call outside any request budget"
        asked = time.monotonic()  # before the grant is computed: `asked + grant` bounds it
        try:
            options = real(timeout)
        except StoreDeadlineExceeded:  # given nothing: no time past the budget
            grants.append(Grant(min(asked, budget.expires_at), budget.expires_at))
            raise
        grants.append(Grant(asked + options["timeout"], budget.expires_at))
        return options

    monkeypatch.setattr(firestore, "call_options", recording)
    return grants


def _within_one_budget(grants: list[Grant]) -> bool:
    return len({g.budget_ends for g in grants}) == 1 and all(
        g.ends <= g.budget_ends for g in grants
    )


def test_with_a_user_key_every_read_shares_one_budget_and_one_breaker(granted):
    service = _service(f"127.0.0.1:{free_port()}")

    timings, per_request = [], []
    for _ in range(5):
        before = len(granted)
        answer, elapsed = _timed(lambda: service.get("clarification_gemini_25", user_key="u-1"))
        assert (answer.source, answer.experiment) == ("default", None)
        timings.append(elapsed)
        per_request.append(granted[before:])

    # Both readers were asked on the first request (experiments, then the template), and
    # neither was given time past the request's one budget (each had its own before).
    assert len(per_request[0]) == 2
    assert _within_one_budget(per_request[0]), per_request[0]
    # One breaker for both: open after FIRESTORE_BREAKER_FAILURES (3) failures, whichever
    # reader saw them, and then nobody asks Firestore at all.
    assert service.resolver.breaker.state == "open"
    assert per_request[-1] == []
    print(f"\ncold fallbacks with user key: {', '.join(f'{t:.3f}' for t in timings)} s")
    assert max(timings) < CEILING
    assert timings[-1] < 0.1  # breaker open: no waiting at all


def test_render_shares_the_budget_with_the_guardrails(granted):
    service = _service(f"127.0.0.1:{free_port()}")
    variables = {"grade_level": "5", "student_query": "why is the sky blue"}

    rendered, _ = _timed(lambda: service.render("nlu_extraction_gemini_25", variables))

    assert rendered.resolution.source == "default"
    assert rendered.text  # rendered, with the bundled guardrails
    assert len(granted) == 2  # the template, then the guardrails
    assert _within_one_budget(granted), granted
    # (no time bound here: the first render also loads the guardrails' classifier, CPU work)


def test_get_template_without_credentials_falls_back_instead_of_raising(tmp_path):
    """No emulator, no Application Default Credentials, no metadata server (google-auth is
    pointed at a closed loopback port so that it never tries 169.254.169.254)."""
    closed = f"127.0.0.1:{free_port()}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"FIRESTORE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_CONFIG"}
    }
    env.update(
        HOME=str(tmp_path),
        CLOUDSDK_CONFIG=str(tmp_path / "gcloud"),
        GCE_METADATA_HOST=closed,
        GCE_METADATA_IP=closed,
        GOOGLE_CLOUD_PROJECT=PROJECT,
        ENVIRONMENT="test",
        LOG_LEVEL="ERROR",
    )
    script = textwrap.dedent(
        """
        import json, sys, time
        from shared.templates.compat import _shared_service, get_template
        rows = []
        for _ in range(5):
            started = time.monotonic()
            answer = get_template("nlu_extraction_gemini_25")
            rows.append([answer["source"], time.monotonic() - started])
        service = _shared_service()
        print(json.dumps({"rows": rows, "reads": service.resolver.store_reads,
                          "breaker": service.resolver.breaker.state}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    sources = [source for source, _ in report["rows"]]
    timings = [elapsed for _, elapsed in report["rows"]]
    assert sources == ["default"] * 5
    assert report["reads"] == 3  # three failed attempts open the breaker; then none
    assert report["breaker"] == "open"
    print(f"\nno credentials: {', '.join(f'{t:.3f}' for t in timings)} s")
    assert max(timings) < CEILING
    assert timings[-1] < 0.1
