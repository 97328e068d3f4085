"""`POST /executions`: validate a reported execution, pseudonymize its user, publish it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from shared.config import Settings
from shared.executions.events import ExecutionEvent, ReportedExecution
from shared.executions.publisher import ExecutionPublisher
from shared.validation import validate_as


class ExecutionReporting:
    def __init__(
        self,
        settings: Settings,
        publisher: ExecutionPublisher,
        *,
        key_secret: Callable[[], bytes] | None = None,
    ) -> None:
        """`key_secret` reads PSEUDONYMIZATION_KEY_SECRET's payload (Secret Manager in
        production); it is called once, on the first report that carries a user id."""
        self._settings = settings
        self.publisher = publisher
        self._key_secret = key_secret
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def _pseudonymization_key(self) -> bytes | None:
        """The HMAC key: read from Secret Manager once per instance, or given directly."""
        if self._settings.pseudonymization_key is not None:
            return self._settings.pseudonymization_key.encode("utf-8")
        if self._key_secret is None:
            return None
        with self._lock:
            if self._key is None:
                self._key = self._key_secret()
            return self._key

    def event(self, body: Any) -> ExecutionEvent:
        """The validated event; field errors name `body.<field>` (422)."""
        reported = validate_as(ReportedExecution, body)
        key = self._pseudonymization_key() if reported.user_id is not None else None
        return validate_as(
            ExecutionEvent,
            reported.to_event_fields(key=key, key_id=self._settings.pseudonymization_key_id),
            as_json=True,
        )

    def report(self, body: Any) -> tuple[ExecutionEvent, str]:
        event = self.event(body)
        return event, self.publisher.publish_and_wait(event)
