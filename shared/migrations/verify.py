"""`verify`: the seed's post-migration checks as code, one readable line per check."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from shared.errors import StoreUnavailable
from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.model import Guardrail
from shared.migrations.runner import MigrationRunner
from shared.migrations.versions.m0001_collections_layout import LAYOUT_DOCUMENT, LAYOUT_VERSION
from shared.migrations.versions.m0002_seed_templates import SEED_NAMES
from shared.storage.firestore import store_errors

STORE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def verify(runner: MigrationRunner) -> list[Check]:
    try:
        applied = runner.applied()
    except store_errors() as exc:
        return [Check("connectivity", False, f"cannot read Firestore ({type(exc).__name__})")]
    checks = [Check("connectivity", True, f"Firestore answered (project {runner.client.project})")]
    problems = runner.problems(applied)
    pending = [m.id for m in runner.migrations if m.id not in applied]
    checks.append(
        Check(
            "migrations",
            not problems and not pending,
            "; ".join(problems)
            or (f"pending: {', '.join(pending)}" if pending else f"all {len(applied)} applied"),
        )
    )
    checks.append(_layout_check(runner))
    checks.extend(_template_check(runner, name) for name in SEED_NAMES)
    checks.extend(_guardrail_check(runner, name) for name in DEFAULT_GUARDRAILS)
    return checks


def _layout_check(runner: MigrationRunner) -> Check:
    settings = runner.settings
    data = runner.client.collection(settings.meta_collection).document(LAYOUT_DOCUMENT).get()
    found = (data.to_dict() or {}).get("schema_version") if data.exists else None
    return Check(
        "layout",
        found == LAYOUT_VERSION,
        f"schema_version {found}" if found is not None else "no layout record",
    )


def _template_check(runner: MigrationRunner, name: str) -> Check:
    store = runner.templates
    try:
        head = store.read_head(name, timeout=STORE_TIMEOUT)
        if head is None or head.deleted:
            return Check(f"template {name}", False, "missing" if head is None else "deleted")
        version = head.labels.get("production")
        if version is None:
            return Check(f"template {name}", False, f"no production label (labels {head.labels})")
        if store.read_version(name, version, timeout=STORE_TIMEOUT) is None:
            return Check(f"template {name}", False, f"production -> version {version}, missing")
    except StoreUnavailable as exc:
        return Check(f"template {name}", False, f"unreadable: {exc.detail}")
    return Check(f"template {name}", True, f"production -> version {version}")


def _guardrail_check(runner: MigrationRunner, name: str) -> Check:
    data = runner.guardrails.read(name)
    if data is None:
        return Check(f"guardrail {name}", False, "missing")
    fields = {k: v for k, v in data.items() if k in Guardrail.model_fields}
    try:
        guardrail = Guardrail.model_validate(fields)
    except ValidationError as exc:
        return Check(f"guardrail {name}", False, f"invalid: {exc.error_count()} field error(s)")
    return Check(
        f"guardrail {name}",
        guardrail.active,
        f"{'active' if guardrail.active else 'INACTIVE'}, action {guardrail.action}",
    )
