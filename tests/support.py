"""Small test helpers: a hand-moved clock, seeding through the real repository, and the
check that a rule refuses a case with the error the case names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared import errors
from shared.audit.model import Actor
from shared.config import Settings
from shared.errors import Conflict
from shared.storage.templates import TemplateRepository
from shared.templates.model import PromptTemplate


def refused(run: Callable[[dict[str, Any]], object], case: dict[str, Any]) -> bool:
    """For a case that names an error: the rule raises exactly it (type, status, message)."""
    if "error" not in case:
        return False
    with pytest.raises(getattr(errors, case["error"]["type"])) as raised:
        run(case)
    assert raised.value.status == case["error"]["status"]
    assert case["error"]["contains"] in str(raised.value)
    return True


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def put_version(
    store: TemplateRepository,
    template: PromptTemplate,
    *,
    author: str,
    commit_message: str = "",
    labels: tuple[str, ...] = (),
) -> PromptTemplate:
    """The next version of `template` (version 1 creates it), with `labels` moved onto it,
    written the way an admin writes: through the repository's own operations."""
    actor = Actor(author, "test-seed")
    try:  # no read first: tests count the store's reads
        stored = store.create(template, actor=actor, commit_message=commit_message)
    except Conflict:
        stored = store.add_version(
            template.name,
            lambda _parent: template,
            actor=actor,
            commit_message=commit_message,
            if_match=None,
        )
    for label in labels:
        store.move_label(template.name, label, stored.version or 0, actor=actor, if_match=None)
    return stored


def seed_versions(settings: Settings, rows: list[dict[str, Any]]) -> TemplateRepository:
    """Each row becomes the next version of its template; `labels` point at it."""
    store = TemplateRepository(settings)
    for row in rows:
        data = {k: v for k, v in row.items() if k != "labels"}
        put_version(
            store,
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
