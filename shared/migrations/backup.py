"""Local backups: a JSON export of whole collections (subcollections included) and its restore.

In GCP the Cloud Build job takes a managed export (`gcloud firestore export gs://...`) before
migrating; locally (`make dev`, tests, a laptop against the emulator) `up` writes this JSON
export first, and `restore` puts it back.

Restore writes every backed-up document back exactly as it was, and never deletes a
document that is not in the backup: anything created since (an admin's new template) stays.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google.cloud.firestore import Client, CollectionReference

FORMAT = "prompt-management-backup/1"


@dataclass(frozen=True)
class RestoreReport:
    restored: int
    unchanged: int


def export_collections(client: Client, collections: list[str], directory: Path, label: str) -> Path:
    documents: dict[str, Any] = {}
    for name in collections:
        _export(client.collection(name), documents)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{stamp}-{label}.json"
    payload = {
        "format": FORMAT,
        "created_at": stamp,
        "project": client.project,
        "collections": collections,
        "documents": documents,
    }
    path.write_text(json.dumps(payload, indent=1, sort_keys=True, default=_encode))
    return path


def _export(collection: CollectionReference, out: dict[str, Any]) -> None:
    for snapshot in collection.stream():
        out[snapshot.reference.path] = snapshot.to_dict()
        for sub in snapshot.reference.collections():
            _export(sub, out)


def restore(client: Client, path: Path, *, dry_run: bool) -> RestoreReport:
    payload = json.loads(path.read_text(), object_hook=_decode)
    if payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a {FORMAT} file")
    restored = unchanged = 0
    for document_path, data in sorted(payload["documents"].items()):
        ref = client.document(document_path)
        current = ref.get()
        if current.exists and current.to_dict() == data:
            unchanged += 1
            continue
        restored += 1
        if not dry_run:
            ref.set(data)
    return RestoreReport(restored, unchanged)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"__timestamp__": value.isoformat()}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    raise TypeError(f"cannot back up a {type(value).__name__} value")


def _decode(obj: dict[str, Any]) -> Any:
    if set(obj) == {"__timestamp__"}:
        return datetime.fromisoformat(obj["__timestamp__"])
    if set(obj) == {"__bytes__"}:
        return base64.b64decode(obj["__bytes__"])
    return obj
