"""Experiments admin: define, edit while draft, start, stop with a decision, delete."""

from __future__ import annotations

import re
import secrets
from typing import Any, Protocol

from shared.audit.documents import AuditedCollection
from shared.audit.model import Actor
from shared.errors import ExperimentNotFound, FieldError, ValidationFailed
from shared.experiments import rules
from shared.experiments.model import (
    EXPERIMENT_ID_PATTERN,
    ExperimentCreate,
    ExperimentOut,
    ExperimentPage,
    ExperimentSpec,
    StopRequest,
    experiment_from_document,
)
from shared.http.pagination import paginate

_out = experiment_from_document


def _check_id(experiment_id: str) -> str:
    if not re.fullmatch(EXPERIMENT_ID_PATTERN, experiment_id):
        raise ValidationFailed(
            "invalid experiment id",
            errors=[FieldError("id", f"must match {EXPERIMENT_ID_PATTERN}")],
        )
    return experiment_id


class ExperimentDocuments(AuditedCollection, Protocol):
    """The `experiments` collection with its lifecycle writes: start and stop are one
    transaction each with the template/label lock (`storage.experiments.ExperimentStore`)."""

    def running_for(self, template: str) -> list[str]: ...
    def start(
        self, experiment_id: str, *, actor: Actor, if_match: int | None
    ) -> dict[str, Any]: ...
    def stop(
        self,
        experiment_id: str,
        *,
        actor: Actor,
        if_match: int | None,
        decision: dict[str, Any],
    ) -> dict[str, Any]: ...


class TemplateVersions(Protocol):
    """What experiments need of templates: that variants name existing versions, and the
    winner's label move (the template store; its writes are audited there)."""

    def head(self, name: str) -> dict[str, Any] | None: ...
    def version(self, name: str, version: int) -> dict[str, Any] | None: ...
    def move_label(
        self, name: str, label: str, version: int, *, actor: Actor, if_match: int | None
    ) -> tuple[int | None, int | None]: ...


class ExperimentAdminService:
    def __init__(self, store: ExperimentDocuments, templates: TemplateVersions) -> None:
        self._store = store
        self._templates = templates

    def running_blocker(self, template: str) -> str | None:
        """For template deletion: refuse while an experiment runs on it."""
        running = self._store.running_for(template)
        return f"experiment '{running[0]}' is running on template '{template}'" if running else None

    def _check_versions(self, spec: ExperimentSpec) -> None:
        head = self._templates.head(spec.template)
        if head is None or head.get("deleted"):
            raise ValidationFailed(
                f"template '{spec.template}' does not exist",
                errors=[FieldError("body.template", "no such template")],
            )
        missing = [
            FieldError(f"body.variants.{i}.version", f"version {v.version} does not exist")
            for i, v in enumerate(spec.variants)
            if self._templates.version(spec.template, v.version) is None
        ]
        if missing:
            raise ValidationFailed("variants name versions that do not exist", errors=missing)

    def list(self, *, cursor: str | None, limit: int) -> ExperimentPage:
        items, next_cursor = paginate(
            lambda after, n: self._store.list(after=after, limit=n),
            cursor=cursor,
            limit=limit,
            shape=_out,
            key=lambda e: e.id,
        )
        return ExperimentPage(items=items, next_cursor=next_cursor)

    def get(self, experiment_id: str) -> ExperimentOut:
        document = self._store.get(_check_id(experiment_id))
        if document is None:
            raise ExperimentNotFound(experiment_id)
        return _out(document)

    def create(self, body: ExperimentCreate, *, actor: Actor) -> ExperimentOut:
        self._check_versions(body)
        data = {
            **body.model_dump(mode="json", exclude={"id", "seed"}),
            "status": "draft",
            # The per-experiment salt of the assignment hash: chosen to reproduce an
            # assignment elsewhere, else random so experiments bucket users independently.
            "seed": body.seed or secrets.token_hex(8),
        }
        return _out(self._store.create(body.id, data, actor=actor))

    def replace(
        self, experiment_id: str, spec: ExperimentSpec, *, actor: Actor, if_match: int | None
    ) -> ExperimentOut:
        _check_id(experiment_id)
        self._check_versions(spec)

        def change(current: dict[str, Any]) -> dict[str, Any]:
            rules.check_editable(current, experiment_id)
            return spec.model_dump(mode="json")

        return _out(
            self._store.update(
                experiment_id, change, actor=actor, if_match=if_match, action="replace"
            )
        )

    def start(self, experiment_id: str, *, actor: Actor, if_match: int | None) -> ExperimentOut:
        experiment = self.get(experiment_id)
        self._check_versions(experiment)
        return _out(self._store.start(experiment_id, actor=actor, if_match=if_match))

    def stop(
        self, experiment_id: str, body: StopRequest, *, actor: Actor, if_match: int | None
    ) -> ExperimentOut:
        experiment = self.get(experiment_id)
        version = rules.winner_version(
            ({"name": v.name, "version": v.version} for v in experiment.variants),
            body.winner,
            experiment_id,
        )
        decision = {"winner": body.winner, "note": body.note}
        stopped = self._store.stop(experiment_id, actor=actor, if_match=if_match, decision=decision)
        if version is not None:  # the decision is recorded first; the label move is its own entry
            self._templates.move_label(
                experiment.template, experiment.label, version, actor=actor, if_match=None
            )
        return _out(stopped)

    def delete(self, experiment_id: str, *, actor: Actor, if_match: int | None) -> None:
        self._store.delete(
            _check_id(experiment_id),
            actor=actor,
            if_match=if_match,
            guard=lambda current: rules.check_deletable(current, experiment_id),
        )
