"""`make dev` for real: the stack comes up, serves, and Ctrl-C leaves nothing running."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time

import requests

from tests.conftest import ROOT


def _port_open(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, int(port))) == 0


def test_dev_stack_serves_and_stops_cleanly_on_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "infra.local.dev"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        output = "".join(lines)
        assert "Press Ctrl-C" in output, output
        resolve_url = re.search(r"resolve\s+(http://\S+)", output).group(1)
        hosts = re.findall(r"_EMULATOR_HOST=(\S+)", output)
        assert len(hosts) == 2

        service_key = re.search(r"X-API-Key \(service\): (\S+)", output).group(1)
        assert requests.get(f"{resolve_url}/templates/x", timeout=10).status_code == 401
        response = requests.get(
            f"{resolve_url}/templates/clarification_gemini_25",
            headers={"X-API-Key": service_key},
            timeout=10,
        )
        assert response.status_code == 200
        assert response.json()["source"] == "firestore"  # make dev migrated and seeded
        assert requests.get(f"{resolve_url}/healthz", timeout=10).json()["status"] == "ok"
        admin_url = re.search(r"admin\s+(http://\S+)", output).group(1)
        viewer_key = re.search(r"X-API-Key \(viewer\): (\S+)", output).group(1)
        listed = requests.get(
            f"{admin_url}/v1/templates", headers={"X-API-Key": viewer_key}, timeout=10
        )
        assert {t["name"] for t in listed.json()["items"]} >= {"nlu_extraction_gemini_25"}
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert "Stopped." in rest
    ports = [*hosts, resolve_url.removeprefix("http://"), admin_url.removeprefix("http://")]
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
