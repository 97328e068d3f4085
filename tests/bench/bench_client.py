"""Benchmark: the HTTP client's cached `get_template()` per call, against baselines.

    make bench        (or: .venv/bin/python -m tests.bench.bench_client)

The client's copy is primed by one answer of the resolve function's shape (the cached path
does no I/O, so no server is needed to measure it). Baselines, measured in the same run in
alternating rounds so machine noise hits all alike:
- a dict lookup plus a shallow copy of the same seed dict: the floor of any cache that
  hands callers their own copy;
- shared's in-process `get_template()` served from its resolver's cache (in-memory store).
Prints JSON: microseconds per call (median of rounds) and ratios. Target: the client's
cached call <= 5 us.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import timeit
from typing import Any, cast

import requests
from prompt_client import ClientConfig, PromptClient

from shared.config import Settings
from shared.templates import compat
from shared.templates.defaults import DEFAULT_TEMPLATES
from shared.templates.resolver import Resolver
from shared.templates.service import ResolutionService
from tests.resolution_cases import InMemoryTemplates

NAME = "nlu_extraction_gemini_25"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
CALLS = int(os.environ.get("BENCH_CALLS", "100000"))
TARGET_US = 5.0


class _OneAnswer:
    """Answers the first GET as the resolve function would; the cached path needs no more."""

    def __init__(self, body: dict[str, Any]) -> None:
        self._body = body

    def get(self, url: str, **_: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(self._body).encode()
        response.headers["ETag"] = 'W/"bench"'
        return response

    def close(self) -> None:
        pass


def _answer() -> dict[str, Any]:
    template = DEFAULT_TEMPLATES[NAME]
    members = json.loads("{" + template.public_json_members + "}")
    return {"name": NAME, "version": 1, "label": "production", "source": "firestore", **members}


def main() -> int:
    client = PromptClient(
        ClientConfig(url="http://bench.invalid", api_key="k", cache_ttl_seconds=3600),
        session=cast(requests.Session, _OneAnswer(_answer())),
    )
    client.get_template(NAME)  # primes the cache
    assert client.get_template(NAME)["source"] == "cache"

    seed_dict = client.get_template(NAME)
    plain: dict[str, dict[str, Any]] = {NAME: seed_dict}

    settings = Settings.from_env(
        {"GOOGLE_CLOUD_PROJECT": "demo-bench", "TEMPLATE_CACHE_TTL_SECONDS": "3600"}
    )
    rows = [{**DEFAULT_TEMPLATES[NAME].model_dump(by_alias=True), "labels": ["production"]}]
    service = ResolutionService(Resolver(store=InMemoryTemplates(rows), settings=settings))
    compat.get_template(NAME, service=service)  # primes shared's resolver cache

    candidates = {
        "client_cached_get_template": lambda: client.get_template(NAME),
        "dict_lookup_and_copy": lambda: dict(plain[NAME]),
        "shared_in_process_cached_get_template": lambda: compat.get_template(NAME, service=service),
    }
    per_call: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(ROUNDS):
        for name, call in candidates.items():
            seconds = timeit.timeit(call, number=CALLS)
            per_call[name].append(seconds / CALLS * 1e6)
    median = {name: statistics.median(values) for name, values in per_call.items()}
    client_us = median["client_cached_get_template"]
    report = {
        "calls_per_round": CALLS,
        "rounds": ROUNDS,
        "us_per_call_median": {k: round(v, 3) for k, v in median.items()},
        "client_vs_dict_lookup_and_copy": round(client_us / median["dict_lookup_and_copy"], 2),
        "client_vs_shared_in_process": round(
            client_us / median["shared_in_process_cached_get_template"], 3
        ),
        "requests_sent": client.stats.requests,
    }
    print(json.dumps(report, indent=1))
    print(f"client cached get_template: {client_us:.2f} us per call (target <= {TARGET_US} us)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
