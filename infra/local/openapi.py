"""`make openapi`: write the admin API's OpenAPI document to docs/openapi.json (committed).

A test fails when the committed file differs from what the admin function serves.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    os.environ.setdefault("GOOGLE_CLOUD_PROJECT", "demo-openapi")
    sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("admin_main", ROOT / "functions/admin/main.py")
    if spec is None or spec.loader is None:
        return 1
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    document = json.dumps(module.api.openapi(), indent=1, sort_keys=True) + "\n"
    (ROOT / "docs" / "openapi.json").write_text(document)
    print("wrote docs/openapi.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
