"""The admin's old name for the one template repository, kept so that importers written
against it (the admin function's module) keep working: the repository, its rules and its
writes are all in `shared.storage.templates`."""

from __future__ import annotations

from shared.storage.templates import TemplateRepository as TemplateAdminStore

__all__ = ["TemplateAdminStore"]
