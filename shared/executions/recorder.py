"""Turning a delivered execution event into its stored, redacted audit record.

Before anything is stored, the prompt and the response go through the active guardrails
that redact: every `pii_detection` guardrail (whatever its action: an audit log keeps no
PII) and every guardrail whose action is `redact`, each on the surfaces it declares
(`rendered_prompt` for the prompt, `response` for the response), PII on both. Then
`EXECUTION_BODY_POLICY` decides what is kept of each body (the short free-text fields
`model`, `label`, `experiment_id`, `variant` and `error_message` pass the PII redaction too,
and are kept redacted; `error_class`, a rollup key, is kept only as an identifier that
redaction leaves alone, else as `invalid_error_class`):

- `redact` (default): the redacted text, cut at `EXECUTION_BODY_MAX_BYTES` (Firestore's
  1 MiB document limit) with `*_truncated: true`;
- `hash`: only the sha256 of the redacted text and its length;
- `drop`: nothing.

When a redaction check itself fails, the body is never stored as text (only its hash),
whatever the guardrail's fail mode: fail-open is for serving traffic, not for keeping it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from shared.config import Settings
from shared.executions.events import INVALID_ERROR_CLASS, ExecutionEvent, error_key, hour_of
from shared.guardrails.engine import GuardrailEngine, check_size
from shared.guardrails.loader import GuardrailLoader
from shared.guardrails.model import Guardrail

logger = logging.getLogger(__name__)

Outcome = Literal["stored", "duplicate"]
BODY_FIELDS = ("rendered_prompt", "response")  # each is also the guardrail surface name
# Short free text kept as redacted text whatever EXECUTION_BODY_POLICY says (it is metadata
# the admin API shows); only the guardrails that redact everywhere (PII) apply to it.
FREE_TEXT_FIELDS = ("model", "label", "experiment_id", "variant", "error_message")


def _error_class(engine: GuardrailEngine, value: str | None, fired: set[str]) -> str | None:
    """An identifier the redaction leaves alone, else `invalid_error_class`: it becomes a
    rollup key, so a redacted half-identifier would be no better than the raw text."""
    if value is None:
        return None
    key = error_key(value)
    if key == value:
        redacted, types = redact_body(engine, value, "error_class")
        if redacted != value:
            fired.update(types)
            return INVALID_ERROR_CLASS
    return key


def _redacts(guardrail: Guardrail, surface: str) -> bool:
    if guardrail.type == "pii_detection":
        return True
    return guardrail.action == "redact" and surface in guardrail.surfaces


def redact_body(engine: GuardrailEngine, text: str, surface: str) -> tuple[str | None, list[str]]:
    """(redacted text, fired types); text None when a check failed and it must not be kept."""
    check_size(text, where=surface)
    fired: list[str] = []
    for guardrail in engine.guardrails:
        if not _redacts(guardrail, surface):
            continue
        check = engine.run(guardrail, text)
        if check.error is not None:
            return None, [*fired, "GUARDRAIL_ERROR"]
        if check.triggered:
            text = check.redacted
            fired.extend(f.type for f in check.findings)
    return text, sorted(set(fired))


class ExecutionSink(Protocol):
    """Where audit records go (`storage.observations.ObservationStore` in production, wired
    by `shared.bootstrap.events`)."""

    def create_execution(self, document: dict[str, Any]) -> bool:
        """Store it unless that execution id exists; False for a duplicate delivery."""
        ...


class ExecutionRecorder:
    def __init__(
        self,
        settings: Settings,
        *,
        store: ExecutionSink,
        guardrails: GuardrailLoader,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._store = store
        self._guardrails = guardrails
        self._clock = clock

    def document(self, event: ExecutionEvent) -> dict[str, Any]:
        """The stored record: the event's fields, bodies per policy, bucket and expiry."""
        engine = self._guardrails.load().value
        now = self._clock()
        document: dict[str, Any] = event.model_dump(
            exclude={"rendered_prompt", "response", "schema_version"}
        )
        document.update(
            schema_version=event.schema_version,
            cost_micros=event.cost_micros,
            hour=hour_of(event.finished_at),
            received_at=now,
            expire_at=now + timedelta(days=self._settings.execution_retention_days),
            body_policy=self._settings.execution_body_policy,
        )
        redacted_types: set[str] = set()
        for field in BODY_FIELDS:
            text = getattr(event, field)
            if text is None:
                document[field] = None
                continue
            redacted, fired = redact_body(engine, text, field)
            redacted_types.update(fired)
            document.update(self._keep(field, text if redacted is None else redacted, redacted))
        for field in FREE_TEXT_FIELDS:
            text = getattr(event, field)
            if text is not None:
                redacted, fired = redact_body(engine, text, field)
                redacted_types.update(fired)
                document[field] = redacted  # None when a check failed: never the raw text
        document["error_class"] = _error_class(engine, event.error_class, redacted_types)
        document["redacted_types"] = sorted(redacted_types)
        return document

    def _keep(self, field: str, text: str, redacted: str | None) -> dict[str, Any]:
        policy = self._settings.execution_body_policy
        if policy == "drop":
            return {field: None}
        encoded = text.encode("utf-8")
        kept: dict[str, Any] = {
            f"{field}_sha256": hashlib.sha256(encoded).hexdigest(),
            f"{field}_bytes": len(encoded),
        }
        if policy == "hash" or redacted is None:  # hash only, or a check failed
            kept[field] = None
            return kept
        limit = self._settings.execution_body_max_bytes
        kept[field] = encoded[:limit].decode("utf-8", errors="ignore")
        kept[f"{field}_truncated"] = len(encoded) > limit
        return kept

    def record(self, event: ExecutionEvent, *, message_id: str | None = None) -> Outcome:
        stored = self._store.create_execution(self.document(event))
        outcome: Outcome = "stored" if stored else "duplicate"
        logger.info(
            "Execution recorded" if stored else "Duplicate execution ignored",
            extra={
                "json_fields": {
                    "execution_id": event.execution_id,
                    "message_id": message_id,
                    "template": event.template,
                    "outcome": outcome,
                }
            },
        )
        return outcome


def handle_message(recorder: ExecutionRecorder, data: Any, *, message_id: str | None) -> str:
    """One Pub/Sub delivery: "stored", "duplicate" or "malformed" (acknowledged, logged with
    the message id and why, never its content). Store errors propagate: Pub/Sub redelivers,
    and after the subscription's max attempts the message goes to the dead-letter topic."""
    from shared.errors import GuardrailInputTooLarge
    from shared.executions.events import MalformedMessage, decode_pubsub_data

    try:
        event = decode_pubsub_data(data)
        return recorder.record(event, message_id=message_id)
    except (MalformedMessage, GuardrailInputTooLarge) as exc:
        reason = exc.reason if isinstance(exc, MalformedMessage) else exc.detail
        logger.error(
            "Malformed execution message acknowledged without storing",
            extra={"json_fields": {"message_id": message_id, "reason": reason}},
        )
        return "malformed"
