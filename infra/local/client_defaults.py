"""`make client-defaults`: write the bundled defaults the HTTP client ships (committed).

The seed's three templates are defined once, in `shared.templates.defaults`; the client
distribution cannot import `shared`, so it ships them as `prompt_client/defaults.json`, in
the shape the resolve function answers (`name`, `description`, `template`, `model_config`,
`variables`, `content_hash`). A unit test fails when the committed file differs from this.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shared.templates.defaults import DEFAULT_TEMPLATES

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "clients" / "python" / "src" / "prompt_client" / "defaults.json"


def document() -> dict[str, Any]:
    return {
        name: {"name": name, **json.loads("{" + template.public_json_members + "}")}
        for name, template in sorted(DEFAULT_TEMPLATES.items())
    }


def render() -> str:
    return json.dumps(document(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
