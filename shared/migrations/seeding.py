"""What seeding migrations write templates with: the one template repository, acting as the
migration (`migration:{id}`), so a seeded head is the same as an admin-created one and its
creation has an audit entry naming the migration.

Its methods keep the names and parameters the applied seeding migration calls (migration
files are checksummed once applied and never edited), and seeding only ever creates: the
template must not exist yet.
"""

from __future__ import annotations

from shared.audit.model import Actor
from shared.storage.templates import TemplateHead, TemplateRepository
from shared.templates.model import PromptTemplate


class SeedingTemplates:
    def __init__(self, repository: TemplateRepository, migration_id: str) -> None:
        self._repository = repository
        self.actor = Actor(f"migration:{migration_id}", request_id=f"migration:{migration_id}")

    def read_head(self, name: str, *, timeout: float) -> TemplateHead | None:
        return self._repository.read_head(name, timeout=timeout)

    def create_version(
        self,
        template: PromptTemplate,
        *,
        author: str,
        commit_message: str = "",
        labels: tuple[str, ...] = (),
        only_if_new: bool = True,
    ) -> PromptTemplate | None:
        """Version 1 with `labels` on it, only if the template is new (None when it exists)."""
        if not only_if_new or author != self.actor.id:
            raise ValueError("seeding creates new templates only, as the migration itself")
        return self._repository.seed(
            template, actor=self.actor, commit_message=commit_message, labels=labels
        )

    def delete_if_untouched(self, name: str, *, author: str) -> str | None:
        return self._repository.delete_if_untouched(name, author=author)
