"""The resolution case file against an in-memory store: the chain's rules without an
emulator (tests/integration/test_resolution.py runs the same cases on the real store)."""

from __future__ import annotations

from shared.config import Settings
from tests.resolution_cases import InMemoryTemplates, env_value, run_case


def test_resolution_case_in_memory(resolution_case):
    settings = Settings.from_env(
        {"GOOGLE_CLOUD_PROJECT": "demo-unit", "ENVIRONMENT": "test"}
        | env_value(resolution_case["env"])
    )
    store = InMemoryTemplates(resolution_case["store"])
    run_case(resolution_case, settings, store, store.soft_delete)
