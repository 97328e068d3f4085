"""`make openapi`: write the admin API's OpenAPI document to docs/openapi.json (committed).

The document comes from the route table in `shared.admin_api` alone (no settings, no
clients). A test fails when the committed file differs from what the admin function serves.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shared import admin_api

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    document = json.dumps(admin_api.document(), indent=1, sort_keys=True) + "\n"
    (ROOT / "docs" / "openapi.json").write_text(document)
    print("wrote docs/openapi.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
