"""The experiment state machine, as pure functions over plain values.

    draft --start--> running --stop--> stopped

    start    a draft, If-Match, and nobody else holds the template/label lock -> running,
             take the lock, stamp `started_at`
    stop     a running one, If-Match -> stopped, free the lock if it holds it, record the
             decision (who, winner, note), stamp `stopped_at`; a winner must be one of its
             variants, and its version is where the label then moves
    edit     drafts only
    delete   anything but a running experiment

`shared.storage.experiments.ExperimentStore` reads the document and the lock, calls one of
these, and applies the returned `Transition` with its audit entry in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.errors import Conflict, ExperimentNotFound, FieldError, ValidationFailed
from shared.revision import check_if_match, next_revision

Status = Literal["draft", "running", "stopped"]


@dataclass(frozen=True)
class Transition:
    """What a start or stop changes. The store adds `updated_at` and the `stamp` time."""

    experiment_id: str
    action: str  # the audit entry's action
    fields: dict[str, Any]  # set on the experiment
    stamp: str  # the field that gets the commit time
    take_lock: bool = False
    release_lock: bool = False
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


def start(
    current: dict[str, Any] | None,
    experiment_id: str,
    *,
    if_match: int | None,
    lock_holder: str | None,
) -> Transition:
    current = _expect(current, experiment_id, if_match, "draft", "running")
    if lock_holder and lock_holder != experiment_id:
        raise Conflict(
            f"experiment '{lock_holder}' is already running on {current['template']} "
            f"label {current['label']}; stop it first"
        )
    return Transition(
        experiment_id=experiment_id,
        action="experiment.start",
        fields={"status": "running", "update_count": next_revision(current)},
        stamp="started_at",
        take_lock=True,
        before={"status": current["status"]},
        after={"status": "running", "decision": None},
    )


def stop(
    current: dict[str, Any] | None,
    experiment_id: str,
    *,
    if_match: int | None,
    lock_holder: str | None,
    decision: dict[str, Any],
    by: str,
) -> Transition:
    current = _expect(current, experiment_id, if_match, "running", "stopped")
    return Transition(
        experiment_id=experiment_id,
        action="experiment.stop",
        fields={
            "status": "stopped",
            "update_count": next_revision(current),
            "decision": {**decision, "by": by},
        },
        stamp="stopped_at",
        release_lock=lock_holder == experiment_id,
        before={"status": current["status"]},
        after={"status": "stopped", "decision": decision},
    )


def winner_version(
    variants: Iterable[dict[str, Any]], winner: str | None, experiment_id: str
) -> int | None:
    """The version the label moves to when `winner` is declared (None: no winner)."""
    if winner is None:
        return None
    for variant in variants:
        if variant["name"] == winner:
            return int(variant["version"])
    raise ValidationFailed(
        f"'{winner}' is not a variant of '{experiment_id}'",
        errors=[FieldError("body.winner", "not a variant name")],
    )


def check_editable(current: dict[str, Any], experiment_id: str) -> None:
    if current["status"] != "draft":
        raise Conflict(
            f"experiment '{experiment_id}' is {current['status']}: only drafts can change"
        )


def check_deletable(current: dict[str, Any], experiment_id: str) -> None:
    if current["status"] == "running":
        raise Conflict(f"experiment '{experiment_id}' is running; stop it first")


def _expect(
    current: dict[str, Any] | None,
    experiment_id: str,
    if_match: int | None,
    expected: Status,
    to: Status,
) -> dict[str, Any]:
    if current is None:
        raise ExperimentNotFound(experiment_id)
    check_if_match(current, if_match)
    if current["status"] != expected:
        raise Conflict(
            f"experiment '{experiment_id}' is {current['status']}; "
            f"only a {expected} one can become {to}"
        )
    return current
