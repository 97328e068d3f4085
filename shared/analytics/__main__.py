"""`python -m shared.analytics rollup [--from ISO --to ISO]`: recompute hourly rollups.

Without a range it does what a scheduled tick does (hours that received executions since
the watermark, plus the recent ones); with one it recomputes exactly those hours. Uses the
configured Firestore (GOOGLE_CLOUD_PROJECT, FIRESTORE_EMULATOR_HOST). Exit codes: 0 done,
1 Firestore failed, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from shared.analytics.rollup import hours_between
from shared.bootstrap.events import rollup_failures, rollup_job
from shared.config import get_settings
from shared.observability import configure_logging


def _moment(raw: str) -> datetime:
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-11-25T10:00:00Z")
    return moment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.analytics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rollup = commands.add_parser("rollup", help="recompute hourly rollups")
    rollup.add_argument("--from", dest="start", type=_moment, help="first hour (ISO 8601)")
    rollup.add_argument("--to", dest="end", type=_moment, help="end, exclusive (ISO 8601)")
    args = parser.parse_args(argv)
    if (args.start is None) != (args.end is None) or (args.start and args.start >= args.end):
        parser.error("give both --from and --to, with --from before --to")
    configure_logging("WARNING", stream="stderr")
    settings = get_settings()
    # Say which database: a shell without the stack's environment would otherwise roll up
    # another project (the default one) and look as if it worked.
    where = settings.firestore_emulator_host or "Firestore"
    sys.stderr.write(f"rollup: project {settings.project_id} at {where}\n")
    try:
        job = rollup_job(settings)
        run = (
            job.run_tick()
            if args.start is None
            else job.recompute(hours_between(args.start, args.end))
        )
    except rollup_failures() as exc:
        sys.stderr.write(f"error: rollup failed ({type(exc).__name__})\n")
        return 1
    sys.stdout.write(json.dumps(run.as_dict()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
