"""`make dev` for real: the stack comes up, a second shell reaches it through `.local/dev.env`,
the rollup ticks as Cloud Scheduler would, every documented example answers what the docs
say, and Ctrl-C leaves nothing running.

One stack serves the whole module (it takes ~20 s to start); the Ctrl-C test stops it and
runs last, in file order.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from infra.local.dev import write_dev_env
from tests.conftest import ROOT
from tests.doc_examples import Example, answer_mismatches, read_examples
from tests.e2e.test_audit_pipeline import wait_for

DEV_ENV = ROOT / ".local" / "dev.env"
DOCUMENTED = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PAGES_WITH_EXAMPLES = [p for p in DOCUMENTED if read_examples(p)]
# What the test process itself points at (its own emulators): an example must not lean on it.
SESSION_VARIABLES = (
    "GOOGLE_CLOUD_PROJECT",
    "FIRESTORE_EMULATOR_HOST",
    "PUBSUB_EMULATOR_HOST",
    "AUTH_CONFIG_FILE",
    "ENVIRONMENT",
)
# Fail on an HTTP error answer, as a reader would notice one; keep the body for the report.
BASH_PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --show-error "$@"; local status=$?; echo; return $status; }
"""


@dataclass
class DevStack:
    process: subprocess.Popen[str]
    output: str
    env: dict[str, str]
    stopped_output: str | None = None
    ports: list[str] = field(default_factory=list)

    def stop(self) -> str:
        if self.stopped_output is None:
            self.process.send_signal(signal.SIGINT)
            self.stopped_output, _ = self.process.communicate(timeout=60)
        return self.stopped_output


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SESSION_VARIABLES}


def read_dev_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            values[name] = shlex.split(value)[0] if value else ""
    return values


@pytest.fixture(scope="module")
def dev_stack() -> Iterator[DevStack]:
    DEV_ENV.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "infra.local.dev"],
        cwd=ROOT,
        env={**_clean_environment(), "DEV_ROLLUP_TICK_SECONDS": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Press Ctrl-C" in line:
            break
    output = "".join(lines)
    stack = DevStack(process, output, read_dev_env(DEV_ENV) if DEV_ENV.exists() else {})
    try:
        assert "Press Ctrl-C" in output, output
        yield stack
    finally:
        stack.stop()


def test_a_shell_sourcing_dev_env_while_make_dev_rewrites_it_reads_one_whole_file(tmp_path):
    path = tmp_path / "dev.env"
    write_dev_env(path, {"GOOGLE_CLOUD_PROJECT": "demo-local", "KEY_ADMIN": "old"})
    with path.open() as sourcing:  # a second shell has opened the previous file
        write_dev_env(path, {"GOOGLE_CLOUD_PROJECT": "demo-local", "KEY_ADMIN": "new"})
        assert "export KEY_ADMIN=old" in sourcing.read()  # not truncated under it
    assert read_dev_env(path) == {"GOOGLE_CLOUD_PROJECT": "demo-local", "KEY_ADMIN": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["dev.env"]  # no temporary file left


def test_a_second_shell_reaches_the_stack_through_dev_env(dev_stack):
    env = dev_stack.env
    for name in ("GOOGLE_CLOUD_PROJECT", "FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST"):
        assert env[name]
        assert f"{name}={env[name]}" in dev_stack.output  # printed too
    assert env["GOOGLE_CLOUD_PROJECT"] == "demo-local"
    for role in ("SERVICE", "VIEWER", "EDITOR", "PUBLISHER", "ADMIN"):
        assert env[f"KEY_{role}"].startswith(f"pmk_dev-{role.lower()}.")
    resolve = env["RESOLVE_URL"]
    assert requests.get(f"{resolve}/templates/x", timeout=10).status_code == 401

    def served_from_firestore() -> bool:
        answer = requests.get(
            f"{resolve}/templates/clarification_gemini_25",
            headers={"X-API-Key": env["KEY_SERVICE"]},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["source"] == "firestore"

    # make dev migrated and seeded. A fresh worker's first Firestore read may overrun the
    # cold deadline on a loaded machine and answer the bundled default, as designed; the
    # seeded copy must still come, and it never would if seeding had not happened.
    wait_for(served_from_firestore, limit=60, what="the seeded template from Firestore")
    listed = requests.get(
        f"{env['ADMIN_URL']}/v1/templates", headers={"X-API-Key": env["KEY_VIEWER"]}, timeout=10
    )
    assert {t["name"] for t in listed.json()["items"]} >= {"nlu_extraction_gemini_25"}
    # The CLIs read the same environment: the migration status is this stack's.
    status = subprocess.run(
        ["bash", "-c", f"source {DEV_ENV} && {sys.executable} -m shared.migrations status"],
        cwd=ROOT,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert "by make-dev" in status.stdout, status.stdout + status.stderr


def test_a_langfuse_user_switches_by_pasting_three_lines(dev_stack):
    env = dev_stack.env
    for name in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_BASE_URL"):
        assert f"{name}={env[name]}" in dev_stack.output  # printed, and in .local/dev.env
    assert env["LANGFUSE_BASE_URL"] == env["LANGFUSE_URL"]
    assert env["LANGFUSE_SECRET_KEY"] == env["KEY_PUBLISHER"]
    from langfuse import Langfuse

    client = Langfuse(
        public_key=env["LANGFUSE_PUBLIC_KEY"],
        secret_key=env["LANGFUSE_SECRET_KEY"],
        base_url=env["LANGFUSE_BASE_URL"],
        tracing_enabled=False,
    )
    try:
        prompt = client.get_prompt("clarification_gemini_25")
        assert (prompt.is_fallback, prompt.version) == (False, 1)
        created = client.create_prompt(name="dev/probe", prompt="Hi {{who}}", labels=["staging"])
        assert client.get_prompt("dev/probe", label="staging").version == created.version
    finally:
        client.shutdown()


def test_the_console_url_is_printed_and_serves_the_console(dev_stack):
    [url] = re.findall(r"^  console +(http://\S+/console/)", dev_stack.output, re.MULTILINE)
    assert url == f"{dev_stack.env['ADMIN_URL']}/console/"
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    me = requests.get(
        url.replace("/console/", "/v1/me"),
        headers={"X-API-Key": dev_stack.env["KEY_ADMIN"]},
        timeout=10,
    )
    assert me.json()["role"] == "admin"


def test_analytics_roll_up_without_anyone_calling_the_rollup(dev_stack):
    env = dev_stack.env
    report = {
        "execution_id": f"tick-probe-{os.urandom(4).hex()}",
        "template": "tick_probe",
        "latency_ms": 12.5,
        "success": True,
        "finished_at": datetime.now(UTC).isoformat(),
    }
    accepted = requests.post(
        f"{env['RESOLVE_URL']}/executions",
        json=report,
        headers={"X-API-Key": env["KEY_SERVICE"]},
        timeout=10,
    )
    assert accepted.status_code == 202, accepted.text

    def rolled_up() -> list[dict]:
        return requests.get(
            f"{env['ADMIN_URL']}/v1/analytics/tick_probe",
            headers={"X-API-Key": env["KEY_VIEWER"]},
            timeout=10,
        ).json()["items"]

    items = wait_for(rolled_up, limit=60, what="the tick's rollup of the probe execution")
    assert [(i["executions"], i["avg_response_time_ms"]) for i in items] == [(1, 12.5)]


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=lambda p: p.name)
def test_every_documented_example_answers_what_the_page_says(dev_stack, page):
    """Examples of one page run in order (later ones build on earlier ones), each in a fresh
    shell or interpreter that only knows what `.local/dev.env` tells it."""
    for example in read_examples(page):
        output = _run(example, dev_stack)
        problems = answer_mismatches(example, output)
        assert not problems, f"{example.where}: {problems}\n--- printed:\n{output[-3000:]}"


def _run(example: Example, stack: DevStack) -> str:
    if example.language == "bash":
        command, env = ["bash", "-c", BASH_PRELUDE + example.code], _clean_environment()
    elif example.language == "python":
        command, env = [sys.executable, "-c", example.code], {**_clean_environment(), **stack.env}
    else:
        pytest.fail(f"{example.where}: examples are bash or python, not {example.language}")
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, (
        f"{example.where} exited {result.returncode}\n--- stdout:\n{result.stdout[-3000:]}"
        f"\n--- stderr:\n{result.stderr[-3000:]}"
    )
    return result.stdout


def _port_open(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, int(port))) == 0


def test_ctrl_c_stops_every_process_and_leaves_no_port_listening(dev_stack):
    """Runs last in this module: it stops the shared stack."""
    ports = [
        *(dev_stack.env[n] for n in ("FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST")),
        *re.findall(r"http://([^/\s]+)", dev_stack.output),
    ]
    assert len(ports) >= 6  # two emulators and four functions
    rest = dev_stack.stop()
    assert dev_stack.process.returncode == 0, rest
    assert "Stopped." in rest
    still_open = _wait_until_closed(ports, seconds=10)  # a leak stays open far longer
    listing = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True, check=False).stdout
    assert not still_open, f"still listening after Ctrl-C: {still_open}\n{listing}"


def _wait_until_closed(ports: list[str], seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while True:
        still_open = [p for p in ports if _port_open(p)]
        if not still_open or time.monotonic() > deadline:
            return still_open
        time.sleep(0.2)
