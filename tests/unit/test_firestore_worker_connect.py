"""A forked worker imports the Firestore client library before it serves, and the process
that forks it (gunicorn's master, which imported the function) never does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_FORK_AND_REPORT = """
import json, os, sys
from shared.storage import firestore

firestore.import_in_each_worker()
parent = "google.cloud.firestore" in sys.modules
read, write = os.pipe()
pid = os.fork()
if pid == 0:  # what the worker has the moment fork returns, before it could serve
    os.write(write, json.dumps("google.cloud.firestore" in sys.modules).encode())
    os._exit(0)
os.close(write)
child = json.loads(os.read(read, 1000))
os.waitpid(pid, 0)
print(json.dumps({"parent": parent, "child": child,
                  "parent_after": "google.cloud.firestore" in sys.modules}))
"""


def test_each_forked_worker_imports_the_client_and_the_master_does_not():
    env = {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": "demo-connect",
        "ENVIRONMENT": "test",
    }
    result = subprocess.run(
        [sys.executable, "-c", _FORK_AND_REPORT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    assert report == {"parent": False, "child": True, "parent_after": False}
