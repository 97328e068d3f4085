"""The migration runner against the real Firestore emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from shared.migrations.backup import restore
from shared.migrations.lock import LeaseLock, LockBusy, LockLost, utc_now
from shared.migrations.runner import Migration, MigrationError, MigrationRunner
from shared.migrations.verify import verify
from shared.storage.templates import TemplateRepository
from shared.templates.model import PromptTemplate
from shared.templates.resolver import Resolver
from tests.conftest import PROJECT, ROOT
from tests.e2e.test_audit_pipeline import wait_for
from tests.support import put_version

pytestmark = pytest.mark.emulator

SEEDS = ("nlu_extraction_gemini_25", "clarification_gemini_25", "script_generation_gemini_25")


@pytest.fixture
def settings(make_settings, clean_firestore, tmp_path):
    return make_settings(
        MIGRATION_BACKUP_DIR=str(tmp_path / "backups"), MIGRATION_LEASE_SECONDS="3"
    )


def _runner(settings, actor="tests") -> MigrationRunner:
    return MigrationRunner(settings, actor=actor)


def _cli(firestore_emulator, tmp_path, *args, extra_env=None, script=None):
    env = {
        **os.environ,
        "FIRESTORE_EMULATOR_HOST": firestore_emulator.host,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "MIGRATION_BACKUP_DIR": str(tmp_path / "backups"),
        "MIGRATION_LEASE_SECONDS": "3",
        **(extra_env or {}),
    }
    command = (
        [sys.executable, "-c", script, *args]
        if script
        else [sys.executable, "-m", "shared.migrations", *args]
    )
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _state(settings) -> dict:
    """Everything the migrations own, for before/after comparisons."""
    runner = _runner(settings)
    heads = {name: runner.templates.read_head(name, timeout=10) for name in SEEDS}
    return {
        "applied": sorted(runner.applied()),
        "heads": {
            n: (h.latest_version, h.labels, h.update_count) if h else None for n, h in heads.items()
        },
        "guardrails": {
            g: (runner.guardrails.read(g) or {}).get("update_count")
            for g in ("pii_detection", "toxic_content_filter", "prompt_injection_guard")
        },
    }


def test_fresh_migrate_records_each_migration_and_verifies(settings):
    runner = _runner(settings, actor="alice@laptop")
    outcome = runner.up()
    assert [s.migration.id for s in outcome.steps] == [
        "0001_collections_layout",
        "0002_seed_templates",
        "0003_seed_guardrails",
        "0004_audit_scope",
        "0005_template_includes",
    ]
    assert outcome.backup is not None
    assert outcome.backup.exists()
    records = runner.applied()
    assert set(records) == {m.id for m in runner.migrations}
    for migration in runner.migrations:
        assert records[migration.id].checksum == migration.checksum
        assert records[migration.id].applied_by == "alice@laptop"
        assert records[migration.id].applied_at is not None
    checks = verify(runner)
    assert all(c.ok for c in checks), [c.line() for c in checks]
    assert len(checks) == 9


def test_a_second_run_changes_nothing_and_says_so(settings):
    _runner(settings).up()
    before = _state(settings)
    outcome = _runner(settings).up()
    assert outcome.steps == []
    assert "nothing to apply" in outcome.message
    assert _state(settings) == before


def test_dry_run_and_plan_write_nothing(settings):
    outcome = _runner(settings).up(dry_run=True)
    assert [s.migration.id for s in outcome.steps] == [m.id for m in _runner(settings).migrations]
    assert any(
        "would: nlu_extraction_gemini_25: create version 1" in n
        for s in outcome.steps
        for n in s.notes
    )
    assert _state(settings)["applied"] == []
    assert _state(settings)["heads"]["nlu_extraction_gemini_25"] is None


def test_target_applies_and_reverts_up_to_a_migration(settings):
    runner = _runner(settings)
    runner.up(target="0002_seed_templates")
    assert sorted(runner.applied()) == ["0001_collections_layout", "0002_seed_templates"]
    runner.up()
    runner.down(target="0001_collections_layout")
    assert sorted(runner.applied()) == ["0001_collections_layout"]
    with pytest.raises(MigrationError, match="unknown target"):
        runner.up(target="9999_nope")


def test_down_then_up_and_resolution_follows(settings):
    def source() -> str:
        resolver = Resolver(store=TemplateRepository(settings), settings=settings)
        return resolver.resolve("nlu_extraction_gemini_25").source

    assert source() == "default"  # before migration
    runner = _runner(settings)
    runner.up()
    assert source() == "firestore"  # after migration
    runner.down(target="0002_seed_templates")  # includes, audit scope, then the guardrails
    assert sorted(runner.applied()) == ["0001_collections_layout", "0002_seed_templates"]
    runner.down(target="0")
    assert runner.applied() == {}
    assert source() == "default"  # after rolling back the seed
    runner.up()
    assert all(c.ok for c in verify(runner))


def test_seeding_never_overwrites_and_rollback_keeps_what_an_admin_touched(settings):
    store = TemplateRepository(settings)
    # An admin created one seed name before the migration ever ran.
    put_version(
        store,
        PromptTemplate(name="clarification_gemini_25", template="admin's own {{grade_level}}"),
        author="admin@example.com",
        labels=("production",),
    )
    runner = _runner(settings)
    outcome = runner.up()
    notes = [n for s in outcome.steps for n in s.notes]
    assert any(n.startswith("clarification_gemini_25: exists") for n in notes)
    # ...and edits another after seeding: a new version and a label move.
    put_version(
        store,
        PromptTemplate(
            name="nlu_extraction_gemini_25", template="v2 {{grade_level}} {{student_query}}"
        ),
        author="admin@example.com",
        labels=("production",),
    )
    runner.guardrails.client.collection("guardrails").document("toxic_content_filter").update(
        {"threshold": 0.9, "update_count": 2}
    )

    outcome = runner.down(target="0")
    notes = [n for s in outcome.steps for n in s.notes]
    assert any(
        n.startswith("nlu_extraction_gemini_25: kept, an admin added versions") for n in notes
    )
    assert any(
        n.startswith("clarification_gemini_25: kept, version 1 was not created") for n in notes
    )
    assert any(n == "script_generation_gemini_25: removed (untouched seed)" for n in notes)
    assert any(n.startswith("toxic_content_filter: kept") for n in notes)
    state = _state(settings)
    assert state["heads"]["nlu_extraction_gemini_25"][1] == {"production": 2}
    assert state["heads"]["clarification_gemini_25"] is not None
    assert state["heads"]["script_generation_gemini_25"] is None
    assert state["guardrails"]["toxic_content_filter"] == 2

    runner.up()  # re-seeding fills the gap and still leaves the admin's work alone
    assert _state(settings)["heads"]["nlu_extraction_gemini_25"][1] == {"production": 2}
    assert all(c.ok for c in verify(runner))


def test_seeding_writes_the_admin_head_and_an_audit_entry_naming_the_migration(settings):
    from shared.audit.model import Actor
    from shared.storage.firestore import firestore_client

    _runner(settings).up(target="0002_seed_templates")
    repository = TemplateRepository(settings)
    TemplateRepository(settings).create(
        PromptTemplate(name="by_admin", template="x"), actor=Actor("ada", "r"), commit_message=""
    )
    seeded, created = repository.head(SEEDS[0]) or {}, repository.head("by_admin") or {}
    assert set(seeded) == set(created)  # one writer: the same head fields whoever creates
    assert seeded["created_by"] == "migration:0002_seed_templates"
    assert (seeded["labels"], seeded["update_count"]) == ({"production": 1}, 1)

    entries = [
        s.to_dict()
        for s in firestore_client(settings).collection(settings.audit_collection).stream()
    ]
    seeding = sorted(e["target"] for e in entries if e["actor"] == "migration:0002_seed_templates")
    assert seeding == sorted(f"templates/{name}" for name in SEEDS)
    assert {e["action"] for e in entries if e["actor"].startswith("migration:")} == {
        "template.create"
    }


def test_guardrail_seeding_has_the_audit_entries_an_admin_create_has(settings):
    from shared.storage.firestore import firestore_client

    _runner(settings).up(target="0003_seed_guardrails")
    entries = [
        s.to_dict()
        for s in firestore_client(settings).collection(settings.audit_collection).stream()
    ]
    seeded = [e for e in entries if e["actor"] == "migration:0003_seed_guardrails"]
    assert {e["action"] for e in seeded} == {"guardrail.create"}
    assert sorted(e["target"] for e in seeded) == [
        "guardrails/pii_detection",
        "guardrails/prompt_injection_guard",
        "guardrails/toxic_content_filter",
    ]


def test_an_edited_applied_migration_is_refused_with_a_clear_message(settings):
    runner = _runner(settings)
    runner.up()
    runner.client.collection("_migrations").document("0002_seed_templates").update(
        {"checksum": "sha256:old"}
    )
    with pytest.raises(MigrationError, match="immutable, add a new migration"):
        runner.up()
    with pytest.raises(
        MigrationError, match="0002_seed_templates was applied with checksum sha256:old"
    ):
        runner.down()
    assert not next(c for c in verify(runner) if c.name == "migrations").ok


def test_a_held_lease_blocks_and_status_names_the_holder(settings, firestore_emulator, tmp_path):
    other = LeaseLock(_runner(settings).client, "_migrations", owner="bob@ci", lease_seconds=30)
    assert other.try_acquire() is None
    with pytest.raises(LockBusy, match="held by bob@ci"):
        _runner(settings).up(lock_wait=0)
    status = _cli(firestore_emulator, tmp_path, "status")
    out, _ = status.communicate(timeout=60)
    assert "lock: held by bob@ci" in out
    blocked = _cli(firestore_emulator, tmp_path, "up", "--lock-wait", "0")
    out, _ = blocked.communicate(timeout=60)
    assert blocked.returncode == 3, out
    assert "held by bob@ci" in out
    other.release()
    assert _runner(settings).lock.holder() is None


def test_concurrent_runs_apply_exactly_once(settings, firestore_emulator, tmp_path):
    # A lease long enough that scheduling on a loaded machine cannot lapse it: this is about
    # five runs contending, not about expiry (the killed-run test below covers that).
    lease = {"MIGRATION_LEASE_SECONDS": "30"}
    runs = [
        _cli(
            firestore_emulator,
            tmp_path,
            "--actor",
            f"runner-{i}",
            "up",
            "--lock-wait",
            "120",
            extra_env=lease,
        )
        for i in range(5)
    ]
    outputs = [run.communicate(timeout=240)[0] for run in runs]
    assert [run.returncode for run in runs] == [0] * 5, outputs
    appliers = [out for out in outputs if "applied: 5 migration(s)" in out]
    assert len(appliers) == 1, outputs
    assert sum("nothing to apply" in out for out in outputs) == 4
    state = _state(settings)
    assert all(head[0] == 1 for head in state["heads"].values())  # seeded exactly once
    assert len(state["applied"]) == 5


def _one_migration(up) -> Migration:
    return Migration("0001_only", "one step", (), "sha-of-0001", up, lambda ctx: None)


def test_a_run_whose_lease_lapsed_and_was_taken_records_nothing(settings):
    def lease_taken_meanwhile(ctx):
        # As if this run paused past its lease and another run took the lock while the
        # migration body ran: the heartbeat has not noticed yet.
        ctx.client.collection("_migrations").document("lock").set(
            {
                "owner": "bob@ci",
                "acquired_at": utc_now(),
                "expires_at": utc_now() + timedelta(seconds=60),
            }
        )

    runner = MigrationRunner(
        settings, actor="alice", migrations=[_one_migration(lease_taken_meanwhile)]
    )
    with pytest.raises(LockLost):
        runner.up(backup=False)
    assert runner.applied() == {}  # bob's run decides what is recorded, not the paused one
    assert runner.lock.holder().owner == "bob@ci"  # and its lease is left alone


def test_a_run_stops_once_its_own_lease_ran_out_even_if_no_renewal_saw_another_owner(settings):
    lock = LeaseLock(_runner(settings).client, "_migrations", owner="alice", lease_seconds=0.5)
    lock.acquire(wait_seconds=10)  # no heartbeat: as if every renewal had failed
    lock.check()  # still ours

    def ran_out() -> bool:
        try:
            lock.check()
        except LockLost:
            return True
        return False

    wait_for(ran_out, limit=20, what="check() to notice the lapsed lease")
    assert not lock.lost.is_set()  # nobody else took it: the run's own clock decided
    lock.release()


def test_a_record_already_there_with_the_same_checksum_is_not_a_crash(settings):
    def first_commit_landed(ctx):
        # What a create() whose answer was lost leaves behind before the client retries it
        # (the retry then meets AlreadyExists): the record, with this very checksum.
        ctx.client.collection("_migrations").document("0001_only").set(
            {"id": "0001_only", "checksum": "sha-of-0001", "applied_by": "alice"}
        )

    runner = MigrationRunner(
        settings, actor="alice", migrations=[_one_migration(first_commit_landed)]
    )
    outcome = runner.up(backup=False)
    assert [s.migration.id for s in outcome.steps] == ["0001_only"]
    assert outcome.steps[0].notes == ["already recorded by alice"]
    assert runner.applied()["0001_only"].checksum == "sha-of-0001"
    assert runner.lock.holder() is None


_CRASH_DURING_SEEDING = """
import os, sys
from shared.storage.templates import TemplateRepository
real = TemplateRepository.seed
calls = []
def crash_after_first(self, *args, **kwargs):
    result = real(self, *args, **kwargs)
    calls.append(1)
    os._exit(137)  # killed mid-migration: one template seeded, nothing recorded
TemplateRepository.seed = crash_after_first
from shared.migrations.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_run_killed_mid_migration_is_recovered_by_the_next(
    settings, firestore_emulator, tmp_path
):
    crashed = _cli(
        firestore_emulator, tmp_path, "--actor", "doomed", "up", script=_CRASH_DURING_SEEDING
    )
    crashed.communicate(timeout=120)
    assert crashed.returncode == 137
    runner = _runner(settings, actor="rescuer")
    assert sorted(runner.applied()) == ["0001_collections_layout"]  # 0002 never recorded
    assert runner.lock.holder().owner == "doomed"  # the dead run's lease is still there

    outcome = runner.up(lock_wait=60)  # waits for the 3 s lease to expire, then recovers
    notes = [n for s in outcome.steps for n in s.notes]
    assert any(n.startswith("nlu_extraction_gemini_25: exists") for n in notes)  # the crashed one's
    assert sorted(runner.applied()) == [m.id for m in runner.migrations]
    assert all(c.ok for c in verify(runner))
    assert runner.lock.holder() is None


def test_local_backup_restores_what_a_migration_changed_and_keeps_newer_documents(settings):
    runner = _runner(settings)
    runner.up()
    outcome = runner.down(target="0")
    backup = outcome.backup
    data = json.loads(backup.read_text())
    assert any(path.startswith("prompts/nlu_extraction_gemini_25") for path in data["documents"])
    put_version(
        TemplateRepository(settings),
        PromptTemplate(name="brand_new", template="created after the backup"),
        author="admin",
    )
    assert restore(runner.client, backup, dry_run=True).restored > 0
    assert _state(settings)["heads"]["nlu_extraction_gemini_25"] is None  # dry run wrote nothing
    report = restore(runner.client, backup, dry_run=False)
    assert report.restored > 0
    assert _state(settings)["heads"]["nlu_extraction_gemini_25"] == (1, {"production": 1}, 1)
    assert runner.templates.read_head("brand_new", timeout=10) is not None
    assert restore(runner.client, backup, dry_run=False).restored == 0  # idempotent


def test_verify_fails_readably_on_an_empty_database(settings, firestore_emulator, tmp_path):
    run = _cli(firestore_emulator, tmp_path, "verify")
    out, _ = run.communicate(timeout=60)
    assert run.returncode == 1
    assert "FAIL template nlu_extraction_gemini_25: missing" in out
    assert "FAIL migrations: pending: 0001_collections_layout" in out


def test_audit_entries_written_before_scope_existed_gain_it(settings):
    from shared.storage.firestore import firestore_client

    db = firestore_client(settings)
    old = db.collection(settings.audit_collection).document("before-scope")
    old.set({"actor": "key:x", "action": "label.move", "target": "templates/t/labels/production"})
    _runner(settings).up()
    assert old.get().to_dict()["scope"] == ["templates/t", "templates/t/labels/production"]


def test_template_heads_written_before_includes_existed_gain_them(settings):
    from shared.storage.firestore import firestore_client

    db = firestore_client(settings)
    prompts = db.collection(settings.prompts_collection)
    tag = "@@@langfusePrompt:name=base|label=production@@@"
    for name, versions in {
        "composed": ["plain", f"{tag} and @@@langfusePrompt:name=other|version=2@@@"],
        "base": ["nothing included"],
    }.items():
        prompts.document(name).set({"name": name, "latest_version": len(versions)})
        for number, text in enumerate(versions, start=1):
            prompts.document(name).collection("versions").document(str(number)).set(
                {"name": name, "version": number, "template": text, "content_hash": "x"}
            )
    untouched = prompts.document("composed").collection("versions").document("2").get()

    _runner(settings).up()

    assert prompts.document("composed").get().to_dict()["includes"] == ["base", "other"]
    assert "includes" not in prompts.document("base").get().to_dict()
    again = prompts.document("composed").collection("versions").document("2").get()
    assert again.update_time == untouched.update_time  # versions stay immutable
    repository = TemplateRepository(settings)
    assert repository.includers("base") == {"composed"}
    assert repository.includers("composed") == set()
