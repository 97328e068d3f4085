"""`python -m shared.auth new-key --id ci --role editor`: mint an API key.

Prints the key once (hand it to the caller; it is never stored) and the JSON entry to add
to the credentials document's `api_keys` (in Secret Manager: add a new secret version; it
takes effect within AUTH_CONFIG_TTL_SECONDS, no redeploy). Revoke by removing the entry.
The same key is a Langfuse SDK key pair: LANGFUSE_SECRET_KEY is the key, LANGFUSE_PUBLIC_KEY
its `pmk_<id>` part; both are printed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from shared.auth.credentials import KEY_ID_PATTERN, new_api_key, public_key_of
from shared.auth.principals import ROLE_RANK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.auth", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    mint = commands.add_parser("new-key", help="mint an API key and its credentials entry")
    mint.add_argument("--id", required=True, help=f"key id, {KEY_ID_PATTERN}")
    mint.add_argument("--role", required=True, action="append", choices=sorted(ROLE_RANK))
    mint.add_argument("--description", default="")
    args = parser.parse_args(argv)
    if not re.fullmatch(KEY_ID_PATTERN, args.id):
        parser.error(f"--id must match {KEY_ID_PATTERN}")
    key, digest = new_api_key(args.id)
    entry = {"id": args.id, "sha256": digest, "roles": args.role, "description": args.description}
    print(f"API key (shown once, send it as X-API-Key): {key}")  # noqa: T201 - CLI output
    print(f"credentials entry: {json.dumps(entry)}")  # noqa: T201 - CLI output
    print(f"LANGFUSE_PUBLIC_KEY={public_key_of(args.id)}")  # noqa: T201 - CLI output
    print(f"LANGFUSE_SECRET_KEY={key}")  # noqa: T201 - CLI output
    return 0


if __name__ == "__main__":
    sys.exit(main())
