"""The admin function as it runs behind Identity-Aware Proxy, for the browser test: the one
change is where IAP's public keys come from (IAP has no emulator), a file holding the test's
key. Everything else is `functions/admin/main.py`, served by the functions-framework CLI."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from shared.auth import tokens


def _test_keys() -> dict[str, str]:
    keys: dict[str, str] = json.loads(Path(os.environ["TEST_IAP_KEYS_FILE"]).read_text())
    return keys


tokens.fetch_iap_certs = _test_keys

from functions.admin.main import admin  # noqa: E402

__all__ = ["admin"]
