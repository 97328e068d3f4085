"""The rules of template writes, as pure functions over plain values.

Each rule takes what the store read (the head document as a dict, the label's history, whether
a version exists) and either refuses with the error the API answers (404, 409, 412) or returns
the change to make. `shared.storage.templates.TemplateRepository` loads, calls one rule and
applies its change with the audit entry in one transaction; nothing here touches Firestore, so
every rule is unit-tested from `tests/cases/*.json` without an emulator.

    create        no head yet (a deleted one counts: restore it instead) -> v1, head
    seed          "only if new": an existing head means no change at all (None)
    add version   live head, If-Match, content differs from the latest -> v(n+1)
    publish       create or add a version (identical content: the latest one) and move
                  labels onto it: one write, a version change then one move per label
    move labels   several labels onto one version of a live head: one write
    move label    live head, If-Match, the target version exists -> labels[label] = v
    remove label  live head, If-Match, the label is set -> del labels[label]
    rollback      live head, If-Match, the label is set and an earlier *move* brought it to
                  its current version -> back to that move's origin (rollbacks are skipped,
                  so repeated rollbacks walk further back instead of toggling)
    delete        head exists, If-Match, not deleted, no label points into it, no blocker
    restore       head exists and is deleted

A head also records `includes`: every name any of its versions includes (composition), so
that a change to an included prompt can find its includers with one query. It only grows:
an older version may be labelled again, and a name too many costs a webhook delivery,
never a missed one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.audit.model import template_target
from shared.errors import (
    Conflict,
    FieldError,
    PreconditionFailed,
    TemplateNotFound,
    ValidationFailed,
    VersionNotFound,
)
from shared.revision import check_if_match, next_revision
from shared.templates.composition import included_names
from shared.templates.model import RESERVED_LABELS, PromptTemplate

LabelKind = Literal["move", "rollback", "remove"]


@dataclass(frozen=True)
class TemplateChange:
    """One write to a template. The store adds the commit times (`updated_at`, and
    `created_at` on a new head or version, `at` on history and audit entries)."""

    name: str
    action: str  # the audit entry's action
    target: str  # the audit entry's target
    head: dict[str, Any]  # fields set on the head (the whole head when `new_head`)
    new_head: bool = False
    version: PromptTemplate | None = None  # an immutable version to create
    history: dict[str, Any] | None = None  # a label-history entry to add
    before: Any = None
    after: Any = None
    before_hash: str | None = None  # content hash of the version replaced as the latest


@dataclass(frozen=True)
class LabelChange:
    """Where a label goes. History keeps a removal as a move to no version (kind `move`),
    which is what a rollback's search for the move that set a version relies on."""

    name: str
    label: str
    from_version: int | None
    to_version: int | None
    kind: LabelKind
    labels: dict[str, int] = field(default_factory=dict)
    revision: int = 0

    def write(self, actor_id: str, request_id: str) -> TemplateChange:
        return TemplateChange(
            name=self.name,
            action="label.remove" if self.kind == "remove" else f"label.{self.kind}",
            target=template_target(self.name, "labels", self.label),
            head={"labels": self.labels, "update_count": self.revision},
            history={
                "label": self.label,
                "from_version": self.from_version,
                "to_version": self.to_version,
                "kind": "rollback" if self.kind == "rollback" else "move",
                "revision": self.revision,
                "actor": actor_id,
                "request_id": request_id,
            },
            before={"version": self.from_version},
            after={"version": self.to_version},
        )


def live_head(head: dict[str, Any] | None, name: str, if_match: int | None) -> dict[str, Any]:
    """The head an edit applies to: it exists, is not deleted, and is the revision the
    caller last read (when it names one)."""
    if head is None or head.get("deleted"):
        raise TemplateNotFound(name)
    check_if_match(head, if_match)
    return head


# Templates and versions -----------------------------------------------------------------


def create_template(
    existing: dict[str, Any] | None,
    template: PromptTemplate,
    *,
    author: str,
    commit_message: str,
    labels: tuple[str, ...] = (),
) -> TemplateChange:
    """Version 1 and its head; the head is the same whoever creates it (admin or seeding)."""
    if existing is not None:
        deleted = existing.get("deleted")
        raise Conflict(
            f"template '{template.name}' already exists"
            + (" (deleted: restore it instead)" if deleted else "; add a version instead"),
        )
    stored = template.model_copy(
        update={"version": 1, "author": author, "commit_message": commit_message}
    )
    after: dict[str, Any] = {"version": 1}
    if labels:
        after["labels"] = sorted(labels)
    return TemplateChange(
        name=template.name,
        action="template.create",
        target=template_target(template.name),
        head={
            "name": template.name,
            "description": template.description,
            "labels": dict.fromkeys(labels, 1),
            "latest_version": 1,
            "update_count": 1,
            "deleted": False,
            "created_by": author,
            **_includes({}, template),
        },
        new_head=True,
        version=stored,
        after=after,
    )


def seed_template(
    existing: dict[str, Any] | None,
    template: PromptTemplate,
    *,
    author: str,
    commit_message: str,
    labels: tuple[str, ...],
) -> TemplateChange | None:
    """Seeding never overwrites: an existing template (even a deleted one) is left as it is."""
    if existing is not None:
        return None
    return create_template(
        None, template, author=author, commit_message=commit_message, labels=labels
    )


def add_version(
    head: dict[str, Any],
    latest_hash: str | None,
    template: PromptTemplate,
    *,
    author: str,
    commit_message: str,
) -> TemplateChange:
    """Version n+1 of a live head whose latest version n has `latest_hash`."""
    latest = int(head["latest_version"])
    if latest_hash == template.content_hash:
        raise Conflict(
            f"version {latest} of '{template.name}' already has this exact content; "
            "nothing was created",
            extra={"version": latest},
        )
    number = latest + 1
    stored = template.model_copy(
        update={
            "version": number,
            "author": author,
            "commit_message": commit_message,
            "parent_version": latest,
        }
    )
    return TemplateChange(
        name=template.name,
        action="template.version",
        target=template_target(template.name),
        head={
            "latest_version": number,
            "description": template.description,
            "update_count": next_revision(head),
            **_includes(head, template),
        },
        version=stored,
        before={"version": latest},
        after={"version": number, "content_hash": template.content_hash},
        before_hash=latest_hash,
    )


# A version and its labels in one write --------------------------------------------------


@dataclass(frozen=True)
class Publication:
    """What one write does: `changes` in order (a version change, then one label move per
    label that was not already there), and the version the labels are on."""

    changes: list[TemplateChange]
    version: int


def publish(
    existing: dict[str, Any] | None,
    latest_hash: str | None,
    template: PromptTemplate,
    labels: Iterable[str],
    *,
    if_match: int | None,
    author: str,
    request_id: str,
    commit_message: str,
) -> Publication:
    """Version 1 of a new template, or version n+1 of a live one (If-Match applies to its
    head), with `labels` moved onto it. Content identical to the latest version creates
    nothing and moves the labels onto that version, the way Langfuse clients expect a
    repeated create to succeed. Each step is the rule the admin API applies on its own
    (`create_template`, `add_version`, `move_label`), each later step seeing the head as the
    earlier ones left it, so the revisions and audit entries are the ones the separate
    calls would have written."""
    changes: list[TemplateChange] = []
    if existing is None:
        if if_match is not None:
            raise PreconditionFailed(f"template '{template.name}' does not exist yet")
        changes.append(
            create_template(None, template, author=author, commit_message=commit_message)
        )
        version = 1
    else:
        head = live_head(existing, template.name, if_match)
        try:
            changes.append(
                add_version(
                    head, latest_hash, template, author=author, commit_message=commit_message
                )
            )
            version = int(head["latest_version"]) + 1
        except Conflict as exc:
            if "version" not in exc.extra:
                raise
            version = int(exc.extra["version"])
    head = _head_after(existing, changes)
    moves = move_labels(
        head, labels, version, target_exists=True, author=author, request_id=request_id
    )
    return Publication(changes=[*changes, *moves], version=version)


def move_labels(
    head: dict[str, Any],
    labels: Iterable[str],
    target: int,
    *,
    target_exists: bool,
    author: str,
    request_id: str,
) -> list[TemplateChange]:
    """Point every label at version `target` of a live head, one move each (a label already
    there is left alone: no move, no audit entry)."""
    changes: list[TemplateChange] = []
    for label in dict.fromkeys(labels):
        if (head.get("labels") or {}).get(label) == target:
            continue
        change = move_label(head, label, target, target_exists=target_exists).write(
            author, request_id
        )
        changes.append(change)
        head = _head_after(head, [change])
    return changes


def _head_after(head: dict[str, Any] | None, changes: Iterable[TemplateChange]) -> dict[str, Any]:
    merged = dict(head or {})
    for change in changes:
        merged.update(change.head)
    return merged


def _includes(head: dict[str, Any], template: PromptTemplate) -> dict[str, list[str]]:
    """`{"includes": [...]}` when `template` includes a name the head does not list yet;
    empty otherwise, so a write that adds no include leaves the field as it was."""
    known = set(head.get("includes") or ())
    names = included_names(template)
    if names <= known:
        return {}
    return {"includes": sorted(known | names)}


# Labels ---------------------------------------------------------------------------------


def move_label(
    head: dict[str, Any], label: str, target: int, *, target_exists: bool
) -> LabelChange:
    """Point `label` at version `target` of a live head."""
    return _point(head, label, target, "move", target_exists=target_exists)


def remove_label(head: dict[str, Any], label: str) -> LabelChange:
    if (head.get("labels") or {}).get(label) is None:
        raise Conflict(f"label '{label}' is not set on '{head['name']}'")
    return _point(head, label, None, "remove", target_exists=True)


def rollback_target(head: dict[str, Any], label: str, history: Iterable[dict[str, Any]]) -> int:
    """The version `label` held before the latest *move* that brought it to its current
    version. Rollbacks in the history are passed over, so rolling back twice goes two
    moves back instead of returning to where the first rollback started."""
    current = (head.get("labels") or {}).get(label)
    if current is None:
        raise Conflict(f"label '{label}' is not set on '{head['name']}': nothing to roll back")
    moves = [
        entry
        for entry in history
        if entry.get("label") == label
        and entry.get("kind") == "move"
        and entry.get("to_version") == current
    ]
    latest = max(moves, key=lambda entry: int(entry.get("revision", 0)), default=None)
    previous = (latest or {}).get("from_version")
    if previous is None:
        raise Conflict(
            f"label '{label}' of '{head['name']}' has no earlier version to roll back to"
        )
    return int(previous)


def rollback(head: dict[str, Any], label: str, target: int, *, target_exists: bool) -> LabelChange:
    """Move `label` back to `target`, the answer of `rollback_target`."""
    return _point(head, label, target, "rollback", target_exists=target_exists)


def _point(
    head: dict[str, Any], label: str, target: int | None, kind: LabelKind, *, target_exists: bool
) -> LabelChange:
    if label in RESERVED_LABELS:
        raise ValidationFailed(
            f"label '{label}' is reserved: it is always on the newest version",
            errors=[FieldError("label", "reserved")],
        )
    if target is not None and not target_exists:
        raise VersionNotFound(head["name"], target)
    labels = dict(head.get("labels") or {})
    current = labels.get(label)
    if target is None:
        labels.pop(label, None)
    else:
        labels[label] = target
    return LabelChange(
        name=head["name"],
        label=label,
        from_version=current,
        to_version=target,
        kind=kind,
        labels=labels,
        revision=next_revision(head),
    )


# Deletion -------------------------------------------------------------------------------


def delete_template(
    head: dict[str, Any] | None,
    name: str,
    *,
    if_match: int | None,
    blocker: str | None,
    by: str,
) -> TemplateChange:
    """Soft delete. `blocker` is why something else forbids it (a running experiment)."""
    head = _existing(head, name)
    check_if_match(head, if_match)
    if head.get("deleted"):
        raise Conflict(f"template '{name}' is already deleted")
    if head.get("labels"):
        raise Conflict(
            f"template '{name}' still has labels {sorted(head['labels'])}; remove them first"
        )
    if blocker:
        raise Conflict(blocker)
    return _deletion(head, name, deleted=True, by=by)


def restore_template(head: dict[str, Any] | None, name: str) -> TemplateChange:
    head = _existing(head, name)
    if not head.get("deleted"):
        raise Conflict(f"template '{name}' is not deleted")
    return _deletion(head, name, deleted=False, by=None)


def _existing(head: dict[str, Any] | None, name: str) -> dict[str, Any]:
    if head is None:
        raise TemplateNotFound(name)
    return head


def _deletion(head: dict[str, Any], name: str, *, deleted: bool, by: str | None) -> TemplateChange:
    return TemplateChange(
        name=name,
        action="template.delete" if deleted else "template.restore",
        target=template_target(name),
        head={"deleted": deleted, "update_count": next_revision(head), "deleted_by": by},
        before={"deleted": not deleted},
        after={"deleted": deleted},
    )


def why_seed_touched(head: dict[str, Any], version: dict[str, Any], author: str) -> str | None:
    """Why a seeded template must stay when its seeding is reverted (None: remove it). It
    goes only exactly as `author` created it: one version by that author, `production` on
    it, no other change. Anything an admin touched is never deleted."""
    if version.get("author") != author:
        return f"version 1 was not created by {author}"
    if int(head.get("latest_version", 0)) != 1:
        return f"an admin added versions (latest is {head.get('latest_version')})"
    if (head.get("labels") or {}) != {"production": 1}:
        return f"labels were changed ({head.get('labels')})"
    if int(head.get("update_count", 0)) != 1 or head.get("deleted"):
        return "the template was modified after seeding"
    return None
