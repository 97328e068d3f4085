"""`python -m shared.migrations {status,plan,up,down,verify,backup,restore}`: what Cloud Build runs.

Exit codes: 0 done (including "nothing to apply"), 1 refused or failed (verify mismatch,
edited migration, Firestore unreachable), 2 bad arguments, 3 another run holds the lock
for longer than `--lock-wait`.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import socket
import sys
from pathlib import Path

from shared.config import get_settings
from shared.errors import AppError
from shared.migrations.backup import export_collections, restore
from shared.migrations.lock import LockBusy, utc_now
from shared.migrations.runner import MigrationRunner, Outcome
from shared.migrations.verify import verify
from shared.observability import configure_logging
from shared.storage.firestore import store_errors

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_LOCKED = 0, 1, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.migrations", description=__doc__)
    parser.add_argument(
        "--actor",
        default=f"{getpass.getuser()}@{socket.gethostname()}",
        help="who runs this, recorded as applied_by (Cloud Build passes cloudbuild:$BUILD_ID)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="applied and pending migrations, and the lock holder")
    plan = commands.add_parser("plan", help="what `up` would do (reads only)")
    plan.add_argument("--target", help="stop after this migration id")
    for name, text in (("up", "apply pending migrations"), ("down", "revert migrations")):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--target",
            help="up: apply up to this id; down: revert everything after this id (0 = all); "
            "down without --target reverts the latest only",
        )
        command.add_argument("--dry-run", action="store_true", help="report, write nothing")
        command.add_argument(
            "--backup",
            choices=("local", "none"),
            default="local",
            help="local: JSON export of the touched collections first (default); none: the "
            "caller took one (Cloud Build runs a managed export)",
        )
        command.add_argument("--lock-wait", type=float, default=120.0, help="seconds to wait")
    commands.add_parser("verify", help="post-migration checks; non-zero exit on any mismatch")
    backup = commands.add_parser("backup", help="JSON export of every collection we own")
    backup.add_argument("--out", type=Path, help="directory (default MIGRATION_BACKUP_DIR)")
    restore_command = commands.add_parser(
        "restore", help="write a JSON export back (never deletes newer documents)"
    )
    restore_command.add_argument("path", type=Path)
    restore_command.add_argument("--dry-run", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging("WARNING", stream="stderr")
    try:
        settings = get_settings()
        runner = MigrationRunner(settings, actor=args.actor)
        return _COMMANDS[args.command](runner, args)
    except LockBusy as exc:
        print(f"error: {exc.detail}; try again later or raise --lock-wait", file=sys.stderr)
        return EXIT_LOCKED
    except AppError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return EXIT_FAILED
    except store_errors() as exc:
        print(
            f"error: Firestore failed ({type(exc).__name__}); nothing was recorded", file=sys.stderr
        )
        return EXIT_FAILED
    except Exception as exc:  # the CLI's one catch-all: a readable line, not a traceback
        logger.error("migration command failed unexpectedly", exc_info=exc)  # type + stack only
        print(
            f"error: unexpected {type(exc).__name__}; migrations are recorded only after they "
            "finish, so re-running is safe",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _connectivity(runner: MigrationRunner) -> None:
    runner.client.collection(runner.settings.migrations_collection).document("lock").get(
        timeout=15, retry=None
    )
    print(
        f"connectivity: ok (project {runner.client.project}, "
        f"database {runner.settings.firestore_database})"
    )


def _status(runner: MigrationRunner, _args: argparse.Namespace) -> int:
    applied = runner.applied()
    problems = runner.problems(applied)
    pending = runner.pending(applied)
    holder = runner.lock.holder()
    print(f"status: {len(applied)} applied, {len(pending)} pending")
    for migration in runner.migrations:
        record = applied.get(migration.id)
        if record is None:
            print(f"  pending  {migration.id}  {migration.description}")
        else:
            mark = "applied " if record.checksum == migration.checksum else "EDITED  "
            print(f"  {mark} {migration.id}  at {record.applied_at} by {record.applied_by}")
    for problem in problems:
        print(f"  problem: {problem}")
    print(f"lock: {holder.describe(utc_now()) if holder else 'free'}")
    return EXIT_FAILED if problems else EXIT_OK


def _report(verb: str, outcome: Outcome) -> None:
    if outcome.backup:
        print(f"backup: {outcome.backup}")
    for step in outcome.steps:
        print(f"{verb} {step.migration.id}: {step.migration.description}")
        for note in step.notes:
            print(f"  - {note}")
    print(outcome.message or f"{verb}: {len(outcome.steps)} migration(s)")


def _plan(runner: MigrationRunner, args: argparse.Namespace) -> int:
    _connectivity(runner)
    outcome = runner.up(target=args.target, dry_run=True)
    _report("plan", outcome)
    return EXIT_OK


def _migrate(runner: MigrationRunner, args: argparse.Namespace) -> int:
    _connectivity(runner)
    outcome = getattr(runner, args.command)(
        target=args.target,
        dry_run=args.dry_run,
        backup=args.backup == "local",
        lock_wait=args.lock_wait,
    )
    done, planned = {"up": ("applied", "would apply"), "down": ("reverted", "would revert")}[
        args.command
    ]
    _report(planned if args.dry_run else done, outcome)
    return EXIT_OK


def _verify(runner: MigrationRunner, _args: argparse.Namespace) -> int:
    checks = verify(runner)
    for check in checks:
        print(check.line())
    failed = [c for c in checks if not c.ok]
    print(f"verify: {len(checks) - len(failed)}/{len(checks)} checks passed")
    return EXIT_FAILED if failed else EXIT_OK


def _backup(runner: MigrationRunner, args: argparse.Namespace) -> int:
    _connectivity(runner)
    settings = runner.settings
    collections = [
        settings.prompts_collection,
        settings.guardrails_collection,
        settings.migrations_collection,
        settings.meta_collection,
    ]
    out = args.out or Path(settings.migration_backup_dir)
    print(f"backup: {export_collections(runner.client, collections, out, 'manual')}")
    return EXIT_OK


def _restore(runner: MigrationRunner, args: argparse.Namespace) -> int:
    _connectivity(runner)
    try:
        report = restore(runner.client, args.path, dry_run=args.dry_run)
    except (OSError, ValueError) as exc:
        print(f"error: cannot restore {args.path}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    verb = "would restore" if args.dry_run else "restored"
    print(f"{verb} {report.restored} document(s); {report.unchanged} already as backed up")
    return EXIT_OK


_COMMANDS = {
    "status": _status,
    "plan": _plan,
    "up": _migrate,
    "down": _migrate,
    "verify": _verify,
    "backup": _backup,
    "restore": _restore,
}

if __name__ == "__main__":
    sys.exit(main())
