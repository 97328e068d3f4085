"""The rules of webhooks, as pure functions: which subscriptions an event reaches, which
receiver URLs and addresses are allowed, and what an attempt's outcome makes of a delivery.

    matches      active, the event type subscribed, the event committed no earlier than
                 the subscription (a new subscriber is not sent history), and (when the
                 subscription names templates) one of the templates the change concerns
                 (the changed one and those that include it, `shared.changes.includes`)
    check_url    https (http too outside production), a host, no credentials in the URL,
                 no IP literal or local name outside the public internet in production
    check_ip     each address the host resolves to is public (`is_global`) in production:
                 loopback, private, link-local, CGNAT, multicast, reserved are refused
    after_attempt  delivered | retrying | dead_lettered (retry budget spent, or refused)
    check_redeliverable  only a settled delivery (not one still queued or retrying)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from shared.errors import Conflict, FieldError, ValidationFailed

LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", "metadata.google.internal")


@dataclass(frozen=True)
class OutboundPolicy:
    """Where deliveries may go. `private_ok` only outside production (local receivers)."""

    private_ok: bool

    @property
    def schemes(self) -> tuple[str, ...]:
        return ("http", "https") if self.private_ok else ("https",)


class Refused(Exception):
    """A receiver address the policy forbids (never retried: it cannot become allowed)."""


def matches(
    subscription: dict[str, Any],
    event_type: str,
    concerned: Iterable[str],
    occurred_at: str | None = None,
) -> bool:
    if not subscription.get("active"):
        return False
    if event_type not in (subscription.get("event_types") or []):
        return False
    if _before(occurred_at, subscription.get("created_at")):
        return False
    wanted = set(subscription.get("templates") or [])
    return not wanted or bool(wanted & set(concerned))


def _before(occurred_at: str | None, subscribed_at: Any) -> bool:
    """Whether the event committed before the subscription did. Both times are Firestore
    commit timestamps, one clock; an event still in flight when a subscriber registers is
    history to it, as with Stripe's endpoints. Unknown times never exclude."""
    if not occurred_at or not isinstance(subscribed_at, datetime):
        return False
    try:
        occurred = datetime.fromisoformat(occurred_at)
    except ValueError:
        return False
    if occurred.tzinfo is None or subscribed_at.tzinfo is None:
        return False
    return occurred < subscribed_at


def check_url(url: str, policy: OutboundPolicy) -> str:
    """The URL, or a 422 naming why it is refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _invalid(f"not a URL ({exc})") from exc
    if parts.scheme not in policy.schemes:
        raise _invalid(f"scheme must be {' or '.join(policy.schemes)}")
    if not parts.hostname:
        raise _invalid("the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise _invalid("credentials in the URL are refused; the signature authenticates us")
    if parts.fragment:
        raise _invalid("a fragment is never sent; remove it")
    if port == 0:
        raise _invalid("port 0 is refused")
    host = parts.hostname.lower().rstrip(".")
    if not policy.private_ok and (host in LOCAL_NAMES or host.endswith(LOCAL_NAMES)):
        raise _invalid(f"host {host!r} is a local name")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    try:
        check_ip(str(address), policy)
    except Refused as exc:
        raise _invalid(str(exc)) from exc
    return url


def check_ip(address: str, policy: OutboundPolicy) -> None:
    """Raise `Refused` unless a delivery may connect to `address`."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified or ip.is_multicast:
        raise Refused(f"address {ip} is never a receiver")
    if not policy.private_ok and not ip.is_global:
        raise Refused(f"address {ip} is not public (loopback, private, link-local or reserved)")


def _invalid(reason: str) -> ValidationFailed:
    return ValidationFailed(
        f"invalid webhook url: {reason}", errors=[FieldError("body.url", reason)]
    )


@dataclass(frozen=True)
class Attempt:
    """One POST to a receiver: ok (2xx), the status code if any, why it failed, how long."""

    ok: bool
    status_code: int | None
    error: str | None
    latency_ms: float
    refused: bool = False


def after_attempt(attempts_before: int, attempt: Attempt, *, max_attempts: int) -> dict[str, Any]:
    """The delivery fields an attempt sets (the store adds the times)."""
    attempts = attempts_before + 1
    if attempt.ok:
        status = "delivered"
    elif attempt.refused or attempts >= max_attempts:
        status = "dead_lettered"
    else:
        status = "retrying"
    return {
        "status": status,
        "attempts": attempts,
        "last_status_code": attempt.status_code,
        "last_error": attempt.error,
        "latency_ms": round(attempt.latency_ms, 1),
    }


def check_redeliverable(delivery: dict[str, Any]) -> None:
    """Redeliver what is settled (delivered, dead-lettered, skipped); a delivery still queued
    or retrying already has a task, and a second one would double its attempts."""
    if delivery.get("status") in ("pending", "retrying"):
        raise Conflict(
            f"delivery '{delivery.get('id')}' is {delivery.get('status')}: it is already queued",
            extra={"status": delivery.get("status")},
        )


def delivery_id(event_id: str, subscription_id: str) -> str:
    """One delivery per (event, subscription): a duplicate event finds it already there."""
    return f"{event_id}~{subscription_id}"
