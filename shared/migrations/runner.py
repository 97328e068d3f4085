"""Ordered, checksummed, lease-locked Firestore data migrations.

Migrations are the modules `shared/migrations/versions/mNNNN_name.py`; their id is `NNNN_name`
and their checksum the sha256 of the file. Each defines `DESCRIPTION`, `TOUCHES` (the
collections a backup must cover, as `Settings` attribute names), `up(ctx)` and `down(ctx)`,
both idempotent and both honouring `ctx.dry_run`. Applied migrations are recorded in
`_migrations/{id}` (id, checksum, description, applied_at, applied_by, notes) only after
they finish, so a crashed run leaves no record and the next run re-applies from the start.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from shared.config import Settings
from shared.errors import AppError
from shared.migrations import versions
from shared.migrations.backup import export_collections
from shared.migrations.lock import LOCK_DOCUMENT, LeaseLock
from shared.migrations.seeding import SeedingTemplates
from shared.storage.firestore import firestore_client
from shared.storage.guardrails import FirestoreGuardrailStore
from shared.storage.templates import TemplateRepository

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentReference, Transaction


class MigrationError(AppError):
    slug = "migration-failed"
    title = "Migration refused"


@dataclass(frozen=True)
class Migration:
    id: str
    description: str
    touches: tuple[str, ...]
    checksum: str
    up: Callable[[MigrationContext], None]
    down: Callable[[MigrationContext], None]


@dataclass
class MigrationContext:
    settings: Settings
    client: Client
    templates: SeedingTemplates
    guardrails: FirestoreGuardrailStore
    migration_id: str
    dry_run: bool
    notes: list[str] = field(default_factory=list)

    @property
    def seed_author(self) -> str:
        """Who seeded documents are attributed to; rollback removes only theirs."""
        return f"migration:{self.migration_id}"

    def note(self, line: str) -> None:
        self.notes.append(("would: " if self.dry_run else "") + line)


@dataclass
class Step:
    migration: Migration
    notes: list[str]


@dataclass
class Outcome:
    steps: list[Step] = field(default_factory=list)
    backup: Path | None = None
    message: str = ""


@dataclass(frozen=True)
class AppliedRecord:
    id: str
    checksum: str
    applied_at: Any
    applied_by: str


def discover() -> list[Migration]:
    found = []
    for info in pkgutil.iter_modules(versions.__path__):
        if not info.name.startswith("m") or not info.name[1:5].isdigit():
            continue
        module = importlib.import_module(f"{versions.__name__}.{info.name}")
        found.append(_load(info.name[1:], module))
    found.sort(key=lambda m: m.id)
    ids = [m.id[:4] for m in found]
    if len(ids) != len(set(ids)):
        raise MigrationError(f"two migrations share a number: {ids}")
    return found


def _load(migration_id: str, module: ModuleType) -> Migration:
    source = Path(module.__file__ or "").read_bytes().replace(b"\r\n", b"\n")
    return Migration(
        id=migration_id,
        description=module.DESCRIPTION,
        touches=tuple(module.TOUCHES),
        checksum="sha256:" + hashlib.sha256(source).hexdigest(),
        up=module.up,
        down=module.down,
    )


class MigrationRunner:
    def __init__(
        self,
        settings: Settings,
        *,
        actor: str,
        client: Client | None = None,
        migrations: list[Migration] | None = None,
    ) -> None:
        self.settings = settings
        self.actor = actor
        self.client = client or firestore_client(settings)
        self.migrations = discover() if migrations is None else migrations
        self.templates = TemplateRepository(settings, self.client)
        self.guardrails = FirestoreGuardrailStore(settings, self.client)
        self.lock = LeaseLock(
            self.client,
            settings.migrations_collection,
            owner=actor,
            lease_seconds=settings.migration_lease_seconds,
        )

    # Reading state --------------------------------------------------------------------

    def applied(self) -> dict[str, AppliedRecord]:
        records = {}
        for snapshot in self.client.collection(self.settings.migrations_collection).stream():
            if snapshot.id == LOCK_DOCUMENT:
                continue
            data = snapshot.to_dict() or {}
            records[snapshot.id] = AppliedRecord(
                snapshot.id,
                data.get("checksum", ""),
                data.get("applied_at"),
                data.get("applied_by", ""),
            )
        return records

    def problems(self, applied: dict[str, AppliedRecord]) -> list[str]:
        """Reasons to refuse touching anything: edited or unknown applied migrations."""
        known = {m.id: m for m in self.migrations}
        found = []
        for record in applied.values():
            migration = known.get(record.id)
            if migration is None:
                found.append(
                    f"migration {record.id} is applied but this code does not have it "
                    "(is newer code already deployed?)"
                )
            elif migration.checksum != record.checksum:
                found.append(
                    f"migration {record.id} was applied with checksum {record.checksum} but its "
                    f"file now has {migration.checksum}; applied migrations are immutable, "
                    "add a new migration instead of editing this one"
                )
        return found

    def pending(
        self, applied: dict[str, AppliedRecord], target: str | None = None
    ) -> list[Migration]:
        self._check_target(target)
        return [
            m for m in self.migrations if m.id not in applied and (target is None or m.id <= target)
        ]

    def _check_target(self, target: str | None) -> None:
        if target not in (None, "0") and target not in {m.id for m in self.migrations}:
            known = ", ".join(m.id for m in self.migrations)
            raise MigrationError(f"unknown target '{target}'; known migrations: {known} (or 0)")

    def _refuse_if_inconsistent(self, applied: dict[str, AppliedRecord]) -> None:
        problems = self.problems(applied)
        if problems:
            raise MigrationError("; ".join(problems))

    # Changing state -------------------------------------------------------------------

    def up(self, **options: Any) -> Outcome:
        """Apply pending migrations (up to `target`) in order."""
        return self._migrate("up", **options)

    def down(self, **options: Any) -> Outcome:
        """Revert the latest applied migration, or every one after `target` ("0": all)."""
        return self._migrate("down", **options)

    def _migrate(
        self,
        direction: Literal["up", "down"],
        *,
        target: str | None = None,
        dry_run: bool = False,
        backup: bool = True,
        lock_wait: float = 120.0,
    ) -> Outcome:
        select = self.pending if direction == "up" else self._to_revert
        if dry_run:
            applied = self.applied()
            self._refuse_if_inconsistent(applied)
            return Outcome([self._run(m, direction, dry_run=True) for m in select(applied, target)])
        with self.lock.held(lock_wait):
            applied = self.applied()  # re-read under the lock: a concurrent run may have acted
            self._refuse_if_inconsistent(applied)
            chosen = select(applied, target)
            if not chosen:
                return Outcome(
                    message="nothing to apply: the database is up to date"
                    if direction == "up"
                    else "nothing to revert"
                )
            outcome = Outcome()
            if backup:
                outcome.backup = self._backup(chosen, f"before-{direction}")
            records = self.client.collection(self.settings.migrations_collection)
            for migration in chosen:
                self.lock.check()
                step = self._run(migration, direction, dry_run=False)
                self.lock.check()
                ref = records.document(migration.id)
                self.lock.fenced(
                    partial(self._record, ref=ref, migration=migration, step=step)
                    if direction == "up"
                    else partial(_delete, ref)
                )
                outcome.steps.append(step)
            return outcome

    def _record(
        self,
        transaction: Transaction,
        *,
        ref: DocumentReference,
        migration: Migration,
        step: Step,
    ) -> None:
        """Record `migration` as applied, in the lock's transaction. A record already there
        with this checksum means it is recorded (a commit whose answer was lost and that the
        client retried, or a run from before fencing): nothing to add, never a crash."""
        existing = ref.get(transaction=transaction).to_dict()
        if existing is not None:
            if existing.get("checksum") != migration.checksum:
                raise MigrationError(
                    f"migration {migration.id} was recorded meanwhile with checksum "
                    f"{existing.get('checksum')}; this run has {migration.checksum}"
                )
            step.notes.append(f"already recorded by {existing.get('applied_by', 'another run')}")
            return
        transaction.create(
            ref,
            {
                "id": migration.id,
                "checksum": migration.checksum,
                "description": migration.description,
                "applied_at": _server_timestamp(),
                "applied_by": self.actor,
                "notes": step.notes,
            },
        )

    def _to_revert(self, applied: dict[str, AppliedRecord], target: str | None) -> list[Migration]:
        self._check_target(target)
        done = [m for m in reversed(self.migrations) if m.id in applied]
        if target is None:
            return done[:1]
        return [m for m in done if target == "0" or m.id > target]

    def _run(self, migration: Migration, direction: str, *, dry_run: bool) -> Step:
        context = MigrationContext(
            self.settings,
            self.client,
            SeedingTemplates(self.templates, migration.id),
            self.guardrails,
            migration.id,
            dry_run,
        )
        getattr(migration, direction)(context)
        return Step(migration, context.notes)

    def _backup(self, migrations: list[Migration], label: str) -> Path:
        collections = sorted(
            {getattr(self.settings, name) for m in migrations for name in m.touches}
            | {self.settings.migrations_collection}
        )
        return export_collections(
            self.client, collections, Path(self.settings.migration_backup_dir), label
        )


def _delete(ref: DocumentReference, transaction: Transaction) -> None:
    transaction.delete(ref)


def _server_timestamp() -> Any:
    from google.cloud import firestore

    return firestore.SERVER_TIMESTAMP
