"""Small test helpers: a hand-moved clock and seeding through the real store."""

from __future__ import annotations

from typing import Any

from shared.config import Settings
from shared.storage.templates import FirestoreTemplateStore
from shared.templates.model import PromptTemplate


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def seed_versions(settings: Settings, rows: list[dict[str, Any]]) -> FirestoreTemplateStore:
    """Each row becomes the next version of its template; `labels` point at it."""
    store = FirestoreTemplateStore(settings)
    for row in rows:
        data = {k: v for k, v in row.items() if k != "labels"}
        store.create_version(
            PromptTemplate.model_validate(data),
            author="tests",
            commit_message="seeded by test",
            labels=tuple(row.get("labels", ())),
        )
    return store


ROLES = ("service", "viewer", "editor", "publisher", "admin")


def write_credentials(path, identities: dict[str, list[str]] | None = None) -> dict[str, str]:
    """A credentials file with one API key per role; returns role -> key."""
    import json

    from shared.auth.credentials import new_api_key

    keys, entries = {}, []
    for role in ROLES:
        key, digest = new_api_key(f"test-{role}")
        keys[role] = key
        entries.append({"id": f"test-{role}", "sha256": digest, "roles": [role]})
    path.write_text(json.dumps({"api_keys": entries, "identities": identities or {}}))
    return keys
