"""The real Langfuse JS SDK (`@langfuse/client`, pinned in tests/e2e/js/package-lock.json)
against the served Langfuse-compatible function: create, label move, get text and chat,
compile with placeholders, and the fallback of a missing prompt. Node runs it without a
browser; `npm ci` installs the locked packages into tests/e2e/js/node_modules (git-ignored)
when they are missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT
from tests.e2e.test_langfuse_sdk import stack, write_pairs  # noqa: F401 - the served function

pytestmark = pytest.mark.emulator

JS = ROOT / "tests" / "e2e" / "js"


def installed() -> None:
    lock = JS / "node_modules" / ".package-lock.json"
    if lock.exists() and lock.stat().st_mtime >= (JS / "package-lock.json").stat().st_mtime:
        return
    npm = shutil.which("npm")
    assert npm, "node and npm are needed for the JS SDK test (Node 20 or newer)"
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=300)


def test_the_js_sdk_works_against_us(stack, clean_firestore):  # noqa: F811
    function, pairs = stack
    installed()
    public, secret = next(pairs["publisher"])
    env = {
        **os.environ,
        "LANGFUSE_PUBLIC_KEY": public,
        "LANGFUSE_SECRET_KEY": secret,
        "LANGFUSE_BASE_URL": function.url,
        "PROMPT_NAME": "web/js-greeting",
    }
    run = subprocess.run(
        ["node", "prompts.mjs"],
        cwd=JS,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["created"] == 1
    assert sorted(seen["movedLabels"]) == ["latest", "staging"]
    assert seen["text"]["version"] == 1
    assert seen["text"]["compiled"] == "Hello Ada"
    assert seen["text"]["config"]["temperature"] == 0.4
    assert seen["text"]["tags"] == ["js"]
    assert seen["chat"]["version"] == 2
    # Every label on the version, whichever selector fetched it.
    assert seen["text"]["labels"] == ["production"]
    assert seen["chat"]["labels"] == ["staging", "latest"]
    assert seen["chat"]["pinnedLabels"] == ["staging", "latest"]
    assert seen["chat"]["compiled"] == [
        {"role": "system", "content": "Help Ada"},
        {"role": "user", "content": "Hi"},
    ]
    assert seen["missing"] == {"isFallback": True, "compiled": "fallback 1"}
    # The SDK logs the 404 it falls back from (it does so against Langfuse too); nothing else.
    errors = [line for line in run.stderr.splitlines() if "[error]" in line.lower()]
    assert all("js-greeting-missing" in line for line in errors), run.stderr
