"""Pub/Sub adapter: one topic's batching publisher client, created on first publish.

The client batches (up to 100 messages or 20 ms) and retries transient errors within the
publish timeout. It is imported and built on first use only, so a function that never
publishes loads no gRPC.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from shared.config import Settings
from shared.storage.firestore import emulator_environment


class PubSubTopic:
    def __init__(self, settings: Settings, topic: str, *, timeout: float) -> None:
        self._settings = settings
        self._timeout = timeout
        self.path = f"projects/{settings.project_id}/topics/{topic}"
        self._client: Any = None
        self._lock = threading.Lock()

    def _publisher(self) -> Any:
        with self._lock:
            if self._client is None:
                # google-cloud-pubsub ships no type information (no py.typed): it is used
                # as an untyped module here, and typed at this boundary instead.
                pubsub_v1 = importlib.import_module("google.cloud.pubsub_v1")
                batching = pubsub_v1.types.BatchSettings(max_messages=100, max_latency=0.02)
                with emulator_environment(
                    "PUBSUB_EMULATOR_HOST", self._settings.pubsub_emulator_host
                ):
                    self._client = pubsub_v1.PublisherClient(batch_settings=batching)
            return self._client

    def publish(self, data: bytes, attributes: Mapping[str, str]) -> Future[str]:
        """Hand the message to the batching client; the future resolves to the message id."""
        from google.api_core import retry as retries

        retry = retries.Retry(predicate=retries.if_transient_error, timeout=self._timeout)
        future: Future[str] = self._publisher().publish(
            self.path, data, retry=retry, timeout=self._timeout, **attributes
        )
        return future
