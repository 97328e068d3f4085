"""Start and stop the real Firestore and Pub/Sub emulators that ship with the gcloud CLI.

Used by `make dev` (infra/local/dev.py) and by the pytest fixtures. Standard library only,
so it runs before the project's virtualenv exists. Each emulator runs in its own process
group: gcloud starts a Java child, and stopping only the parent would leave it running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

FUNCTIONS_FRAMEWORK_PORT = 8080  # never hand this one to an emulator


class EmulatorError(RuntimeError):
    """An emulator could not start; the message carries the tail of its log."""


def free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != FUNCTIONS_FRAMEWORK_PORT:
            return port


@dataclass
class Emulator:
    name: str
    host: str  # 127.0.0.1:PORT, the value of FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST
    process: subprocess.Popen[bytes]
    log_path: Path
    command: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.host.rsplit(":", 1)[1])

    def stop(self, timeout: float = 15.0) -> None:
        stop_process_group(self.process, timeout)

    def alive(self) -> bool:
        return self.process.poll() is None


def stop_process_group(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM the whole group, SIGKILL what is left, and wait until no member remains (the
    emulators' Java children outlive their gcloud parent by a moment)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _group_alive(process.pid):
        time.sleep(0.05)


def _group_alive(pgid: int) -> bool:
    """True while a live (non-zombie) process remains in the group."""
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _start(name: str, command: list[str], port: int, log_dir: Path, timeout: float) -> Emulator:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{port}.log"
    env = {**os.environ, "CLOUDSDK_CORE_DISABLE_PROMPTS": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
    emulator = Emulator(name, f"127.0.0.1:{port}", process, log_path, command)
    try:
        _wait_ready(emulator, timeout)
    except BaseException:
        emulator.stop()
        raise
    return emulator


def _wait_ready(emulator: Emulator, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not emulator.alive():
            raise EmulatorError(
                f"{emulator.name} emulator exited with code {emulator.process.returncode}:\n"
                + _tail(emulator.log_path)
            )
        try:
            with urllib.request.urlopen(f"http://{emulator.host}/", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise EmulatorError(
        f"{emulator.name} emulator did not answer on {emulator.host} within {timeout:.0f}s:\n"
        + _tail(emulator.log_path)
    )


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_firestore(log_dir: Path, port: int | None = None, timeout: float = 90.0) -> Emulator:
    port = port or free_port()
    command = ["gcloud", "emulators", "firestore", "start", f"--host-port=127.0.0.1:{port}"]
    return _start("firestore", command, port, log_dir, timeout)


def start_pubsub(
    log_dir: Path, project: str, port: int | None = None, timeout: float = 90.0
) -> Emulator:
    port = port or free_port()
    command = [
        "gcloud",
        "beta",
        "emulators",
        "pubsub",
        "start",
        f"--host-port=127.0.0.1:{port}",
        f"--project={project}",
    ]
    return _start("pubsub", command, port, log_dir, timeout)


def clear_firestore(host: str, project: str, database: str = "(default)") -> None:
    """Delete every document (the emulator's own reset endpoint)."""
    url = f"http://{host}/emulator/v1/projects/{project}/databases/{database}/documents"
    request = urllib.request.Request(url, method="DELETE")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - fixed http URL
        if response.status != 200:
            raise EmulatorError(f"could not clear Firestore emulator: HTTP {response.status}")
