"""Webhook signatures: HMAC-SHA256 over `"{timestamp}." + body`, sent as
`Webhook-Signature: t=<unix seconds>,v1=<hex digest>`. The timestamp is signed too, so a
receiver that refuses old timestamps (docs/webhooks.md: 5 minutes) refuses replays."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Webhook-Signature"
REPLAY_WINDOW_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, window: int = REPLAY_WINDOW_SECONDS
) -> bool:
    """What a receiver does (docs/webhooks.md shows the same check in ten lines)."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > window:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
