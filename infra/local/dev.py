"""`make dev`: the whole stack on one machine, no GCP account needed.

Starts the Firestore and Pub/Sub emulators, applies migrations and seed data
(`python -m shared.migrations up`, then `verify`), serves every function in `functions/`
with functions-framework (the entry point of `functions/NAME/main.py` is `NAME`), wires the
audit pipeline's topics and push subscriptions to them (infra/local/pubsub.py), prints the
URLs, and stops every process group on Ctrl-C. `--check` brings everything up, probes it,
and shuts down.

Ports: DEV_FIRESTORE_PORT, DEV_PUBSUB_PORT, DEV_FUNCTIONS_BASE_PORT (function i listens on
base + i); free ports are picked when unset. Never 8080 for an emulator.

A second shell needs the same environment (project, emulator hosts, URLs, keys): it is
written to `.local/dev.env` for `source`, and printed. Analytics are rolled up by a tick
published every DEV_ROLLUP_TICK_SECONDS (default 60) to the tick topic, as Cloud Scheduler
does in GCP (every 5 minutes there).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from infra.local.changes import publish_drain_tick, wire_changes
from infra.local.emulators import (
    Emulator,
    EmulatorError,
    free_port,
    start_firestore,
    start_pubsub,
    stop_process_group,
)
from infra.local.pubsub import publish_tick, wire

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / ".local" / "dev-logs"
DEV_ENV = ROOT / ".local" / "dev.env"
PROJECT = os.environ.get("GOOGLE_CLOUD_PROJECT", "demo-local")


@dataclass
class ServedFunction:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path


def _port(variable: str) -> int | None:
    value = os.environ.get(variable)
    return int(value) if value else None


def discover_functions() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "functions").glob("*/main.py"))


def stack_environment(firestore: Emulator, pubsub: Emulator, credentials: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "ENVIRONMENT": "development",
        "FIRESTORE_EMULATOR_HOST": firestore.host,
        "PUBSUB_EMULATOR_HOST": pubsub.host,
        "AUTH_CONFIG_FILE": str(credentials),
        # A fresh key per run: user keys from one `make dev` never match another's.
        "PSEUDONYMIZATION_KEY": os.urandom(24).hex(),
    }


def write_dev_credentials(path: Path) -> dict[str, str]:
    """Fresh API keys for this run (one per role); only their hashes go in the file."""
    from shared.auth.credentials import new_api_key

    keys, entries = {}, []
    for role in ("service", "viewer", "editor", "publisher", "admin"):
        key, digest = new_api_key(f"dev-{role}")
        keys[role] = key
        entries.append({"id": f"dev-{role}", "sha256": digest, "roles": [role]})
    path.write_text(json.dumps({"api_keys": entries, "identities": {}}, indent=1))
    return keys


def dev_environment(
    env: dict[str, str], served: list[ServedFunction], keys: dict[str, str]
) -> dict[str, str]:
    """What a second shell needs to reach this stack: the settings the code reads
    (without them `get_template()` and the CLIs would talk to another project), the URLs
    and one API key per role."""
    values = {
        name: env[name]
        for name in (
            "GOOGLE_CLOUD_PROJECT",
            "ENVIRONMENT",
            "FIRESTORE_EMULATOR_HOST",
            "PUBSUB_EMULATOR_HOST",
            "AUTH_CONFIG_FILE",
            "PSEUDONYMIZATION_KEY",
        )
    }
    values |= {f"{f.name.upper()}_URL": f.url for f in served}
    values |= {f"KEY_{role.upper()}": key for role, key in keys.items()}
    values |= langfuse_environment(served, keys)
    return values


def langfuse_environment(served: list[ServedFunction], keys: dict[str, str]) -> dict[str, str]:
    """The three lines a Langfuse SDK user pastes: the publisher key as a Langfuse key pair
    (it may read, create and move labels) and the Langfuse-compatible function's URL."""
    from shared.auth.credentials import parse_key_id, public_key_of

    by_name = {f.name: f for f in served}
    if "langfuse" not in by_name or "publisher" not in keys:
        return {}
    return {
        "LANGFUSE_PUBLIC_KEY": public_key_of(parse_key_id(keys["publisher"]) or ""),
        "LANGFUSE_SECRET_KEY": keys["publisher"],
        "LANGFUSE_BASE_URL": by_name["langfuse"].url,
    }


def write_dev_env(path: Path, values: dict[str, str]) -> None:
    """Replace the file in one step (a temporary file beside it, then `os.replace`): a shell
    sourcing it meanwhile reads the previous file whole or this one whole, never a
    truncated or half-written one whose missing lines would leave the defaults in force."""
    lines = [f"export {name}={shlex.quote(value)}" for name, value in values.items()]
    text = "# written by `make dev`; `source` it in a second shell\n" + "\n".join(lines) + "\n"
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text)
    os.replace(partial, path)


def run_migrations(env: dict[str, str]) -> None:
    """Migrate and seed the fresh emulator exactly as Cloud Build does in GCP."""
    print("Migrating and seeding Firestore ...")
    for command in ("up", "verify"):
        subprocess.run(
            [sys.executable, "-m", "shared.migrations", "--actor=make-dev", command],
            env=env,
            check=True,
            cwd=ROOT,
        )


def serve(
    name: str,
    port: int,
    env: dict[str, str],
    *,
    source: str | None = None,
    log_dir: Path = LOG_DIR,
) -> ServedFunction:
    """Serve entry point `name` from `source` (default `functions/NAME/main.py`)."""
    log_path = log_dir / f"function-{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "functions_framework",
                f"--source={source or f'functions/{name}/main.py'}",
                f"--target={name}",
                "--host=127.0.0.1",
                f"--port={port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return ServedFunction(name, f"http://127.0.0.1:{port}", process, log_path)


def wait_until_up(function: ServedFunction, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if function.process.poll() is not None:
            raise EmulatorError(f"function {function.name} exited; see {function.log_path}")
        try:
            # Any HTTP answer (even 404/405 for event functions) means it is serving.
            urllib.request.urlopen(f"{function.url}/healthz", timeout=1).close()  # noqa: S310
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise EmulatorError(f"function {function.name} did not start; see {function.log_path}")


def check(functions: list[ServedFunction], keys: dict[str, str]) -> None:
    """Probe what `make dev` promises: the resolver answers from Firestore, the admin API
    lists the seeded templates."""
    service_key = keys["service"]
    by_name = {f.name: f for f in functions}
    resolve = by_name["resolve"]
    request = urllib.request.Request(  # noqa: S310 - a loopback http URL we built
        f"{resolve.url}/templates/nlu_extraction_gemini_25", headers={"X-API-Key": service_key}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback URL
        body = json.loads(response.read())
    print(f"  check: resolve served nlu_extraction_gemini_25 from {body['source']!r}")
    request = urllib.request.Request(  # noqa: S310 - a loopback http URL we built
        f"{by_name['admin'].url}/v1/templates", headers={"X-API-Key": keys["viewer"]}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback URL
        names = [t["name"] for t in json.loads(response.read())["items"]]
    print(f"  check: admin lists {len(names)} templates: {', '.join(names)}")
    execution_id = f"dev-check-{os.urandom(6).hex()}"
    report = {
        "execution_id": execution_id,
        "template": "nlu_extraction_gemini_25",
        "rendered_prompt": "check from make dev: ada@example.com",
        "latency_ms": 1.0,
        "success": True,
        "finished_at": datetime.now(UTC).isoformat(),
        "user_id": "make-dev",
    }
    request = urllib.request.Request(  # noqa: S310 - a loopback http URL we built
        f"{resolve.url}/executions",
        data=json.dumps(report).encode(),
        headers={"X-API-Key": service_key, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback URL
        accepted = response.status
    stored = _wait_for_execution(by_name["admin"].url, keys["viewer"], execution_id)
    print(
        f"  check: POST /executions answered {accepted}; stored through Pub/Sub as "
        f"{stored['rendered_prompt']!r}"
    )


def _wait_for_execution(admin_url: str, key: str, execution_id: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        request = urllib.request.Request(  # noqa: S310 - a loopback http URL we built
            f"{admin_url}/v1/executions/{execution_id}", headers={"X-API-Key": key}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code != 404 or time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="start, probe, stop")
    args = parser.parse_args(argv)

    LOG_DIR.mkdir(parents=True, exist_ok=True)
    started: list[Emulator] = []
    served: list[ServedFunction] = []
    stop_requested = False

    def request_stop(*_: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        print("Starting the Firestore and Pub/Sub emulators ...")
        firestore = start_firestore(LOG_DIR, port=_port("DEV_FIRESTORE_PORT"))
        started.append(firestore)
        pubsub = start_pubsub(LOG_DIR, PROJECT, port=_port("DEV_PUBSUB_PORT"))
        started.append(pubsub)
        credentials = LOG_DIR.parent / "dev-credentials.json"
        keys = write_dev_credentials(credentials)
        env = stack_environment(firestore, pubsub, credentials)
        run_migrations(env)

        base = _port("DEV_FUNCTIONS_BASE_PORT")
        for index, name in enumerate(discover_functions()):
            served.append(serve(name, base + index if base else free_port(), env))
        for function in served:
            wait_until_up(function)
        by_name = {f.name: f for f in served}
        ticks = wire_events(pubsub.host, by_name)
        values = dev_environment(env, served, keys)
        write_dev_env(DEV_ENV, values)

        print(f"\nStack is up (project {PROJECT}); logs in {LOG_DIR.relative_to(ROOT)}/")
        for function in served:
            print(f"  {function.name:<20} {function.url}")
        print(f"  {'console':<20} {by_name['admin'].url}/console/   (sign in with a KEY_*)")
        tick_seconds = float(os.environ.get("DEV_ROLLUP_TICK_SECONDS") or 60)
        print(f"Analytics roll up every {tick_seconds:g} s (DEV_ROLLUP_TICK_SECONDS).")
        print(f"\nIn a second shell: source {DEV_ENV.relative_to(ROOT)}   # it holds:")
        for name, value in values.items():
            if not name.endswith("_URL") or name.startswith("LANGFUSE_"):  # others: above
                print(f"  {name}={value}")
        print("  and the URLs above as ADMIN_URL, RESOLVE_URL, ...")
        if args.check:
            check(served, keys)
            return 0
        print("\nPress Ctrl-C to stop everything.")
        return _serve_until_stopped(served, ticks, tick_seconds, lambda: stop_requested)
    except (EmulatorError, subprocess.CalledProcessError) as exc:
        print(f"make dev failed: {exc}", file=sys.stderr)
        return 1
    finally:
        print("Stopping ...")
        for function in served:
            stop_process_group(function.process)
        for emulator in started:
            emulator.stop()
        print("Stopped.")


def wire_events(pubsub_host: str, by_name: dict[str, ServedFunction]) -> list[Callable[[], None]]:
    """Topics and push subscriptions to the served functions; returns the scheduled ticks."""
    wiring = wire(
        pubsub_host,
        PROJECT,
        record_url=by_name["record_execution"].url,
        rollup_url=by_name["rollup_analytics"].url,
    )
    changes = wire_changes(
        pubsub_host,
        PROJECT,
        deliver_url=by_name["deliver_webhooks"].url,
        drain_url=by_name["drain_changes"].url,
    )
    return [
        lambda: publish_tick(pubsub_host, wiring),
        lambda: publish_drain_tick(pubsub_host, changes),
    ]


def _serve_until_stopped(
    served: list[ServedFunction],
    ticks: list[Callable[[], None]],
    tick_seconds: float,
    stopped: Callable[[], bool],
) -> int:
    """Watch the functions, and tick the rollup and the outbox drain as Cloud Scheduler
    would."""
    next_tick = time.monotonic() + tick_seconds
    while not stopped():
        for thing in served:
            if thing.process.poll() is not None:
                print(f"{thing.name} exited with {thing.process.returncode}; see {thing.log_path}")
                return 1
        if time.monotonic() >= next_tick:
            next_tick = time.monotonic() + tick_seconds
            for tick in ticks:
                try:
                    tick()
                except Exception as exc:  # noqa: BLE001 - a missed tick must not stop the stack
                    print(f"tick not published: {type(exc).__name__}")
        time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
