"""`python -m shared.guardrails {scan,eval,train,export-toxic}`: guardrails on your traffic.

    scan   JSON lines in (`{"text": ...}`), one JSON line out per input line, in order:
           `{"line": n, "results": [{"guardrail", "type", "triggered", "score", "action",
           "findings": [{"type", "start", "end", "score"}], "redacted"}, ...]}` for every
           active guardrail, or `{"line": n, "error": {...}}` for a line that is not valid.
    eval   labelled JSON lines in (`{"text", "expect": {type-or-name: bool}, "entities":
           [{"type", "start", "end"}]}`), one JSON line out per guardrail and per finding
           type: tp, fp, fn, precision, recall, f1 (and tn, false_positive_rate); the same
           per region for lines that name theirs (`"region": "DE"`); then, per guardrail,
           the precision/recall trade-off at each `--thresholds` value.
    train  rebuild the injection model from its corpus (needs requirements-dev.txt):
           writes shared/guardrails/injection_model.json.gz; `--check` rebuilds in memory
           and compares with the committed artifact (exit 1 if outside the tolerance);
           `--evaluate FILE` also writes the by-source evaluation report (slow: one model
           per held-out family).
    export-toxic  write alt-profanity-check's fitted model as the plain-Python scorer's
           artifact, shared/guardrails/toxic_model.json.gz (needs requirements-dev.txt);
           `--check` compares a fresh export with the committed bytes (exit 1 if not equal).

Guardrails: the bundled defaults, or `--guardrails FILE` (a JSON list of guardrail
documents, as the admin API takes them, to try thresholds before changing production), or
`--firestore` (the active set in GUARDRAILS_COLLECTION). Input: a file path or stdin.
Exit codes: 0 done, 1 some input lines were invalid (each said why), 2 bad arguments or
guardrail file, 3 Firestore unreachable with `--firestore`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from shared.errors import AppError
from shared.guardrails.defaults import DEFAULT_GUARDRAILS
from shared.guardrails.engine import GuardrailEngine
from shared.guardrails.evaluation import DEFAULT_THRESHOLDS, LabelledLine, evaluate
from shared.guardrails.model import Guardrail
from shared.observability import configure_logging
from shared.validation import field_errors

EXIT_OK, EXIT_BAD_LINES, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


class ScanLine(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    text: str


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shared.guardrails",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="rebuild the injection model")
    train.add_argument("--corpus", type=Path, default=None, help="corpus .jsonl.gz")
    train.add_argument("--out", type=Path, default=None, help="artifact to write")
    train.add_argument("--check", action="store_true", help="compare, do not write")
    train.add_argument("--evaluate", type=Path, metavar="FILE", help="by-source report")
    export = commands.add_parser("export-toxic", help="export the toxic model's artifact")
    export.add_argument("--out", type=Path, default=None, help="artifact to write")
    export.add_argument("--check", action="store_true", help="compare, do not write")
    for name, text in (("scan", "scan JSON lines"), ("eval", "score labelled JSON lines")):
        command = commands.add_parser(name, help=text)
        command.add_argument("input", nargs="?", type=Path, help="JSON lines file (default stdin)")
        source = command.add_mutually_exclusive_group()
        source.add_argument("--guardrails", type=Path, help="JSON list of guardrail documents")
        source.add_argument("--firestore", action="store_true", help="the active set in Firestore")
        command.add_argument(
            "--only", action="append", default=[], metavar="NAME", help="run only these"
        )
        if name == "eval":
            command.add_argument(
                "--show-errors", action="store_true", help="list misclassified lines on stderr"
            )
            command.add_argument(
                "--thresholds",
                type=_thresholds,
                default=DEFAULT_THRESHOLDS,
                help="comma-separated scores for the trade-off rows (default %(default)s)",
            )
    return parser


def _thresholds(raw: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {raw!r}") from exc
    if not values or any(not 0.0 <= v <= 1.0 for v in values):
        raise argparse.ArgumentTypeError("thresholds must lie in 0..1")
    return values


def run_train(args: argparse.Namespace) -> int:
    try:
        from shared.guardrails import injection_model, training
    except ImportError as exc:  # scikit-learn is a development dependency only
        sys.stderr.write(f"error: train needs requirements-dev.txt installed ({exc})\n")
        return EXIT_USAGE
    corpus = args.corpus or training.CORPUS
    if not corpus.is_file():
        sys.stderr.write(f"error: --corpus: no such file {corpus}\n")
        return EXIT_USAGE
    if args.check:
        result = training.check(corpus, args.out or injection_model.ARTIFACT)
        sys.stdout.write(json.dumps(result) + "\n")
        return EXIT_OK if result["within_tolerance"] else EXIT_BAD_LINES
    sys.stdout.write(
        json.dumps(training.train(corpus, args.out or injection_model.ARTIFACT)) + "\n"
    )
    if args.evaluate is not None:
        report = training.evaluation_report(corpus, artifact=args.out or injection_model.ARTIFACT)
        args.evaluate.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
        sys.stdout.write(json.dumps(report["by_source"]["pooled"]) + "\n")
    return EXIT_OK


def run_export_toxic(args: argparse.Namespace) -> int:
    try:
        from shared.guardrails import toxic, toxic_export
    except ImportError as exc:  # scikit-learn is a development dependency only
        sys.stderr.write(f"error: export-toxic needs requirements-dev.txt installed ({exc})\n")
        return EXIT_USAGE
    try:
        result = (
            toxic_export.check(args.out or toxic.ARTIFACT)
            if args.check
            else toxic_export.export(args.out or toxic.ARTIFACT)
        )
    except ImportError as exc:
        sys.stderr.write(f"error: export-toxic needs requirements-dev.txt installed ({exc})\n")
        return EXIT_USAGE
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"error: export-toxic: {exc}\n")
        return EXIT_USAGE
    sys.stdout.write(json.dumps(result) + "\n")
    return EXIT_BAD_LINES if args.check and not result["identical"] else EXIT_OK


def load_guardrails(args: argparse.Namespace) -> list[Guardrail]:
    if args.guardrails is not None:
        documents = json.loads(args.guardrails.read_text(encoding="utf-8"))
        guardrails = TypeAdapter(list[Guardrail]).validate_python(documents)
    elif args.firestore:
        from shared.bootstrap.guardrails import guardrail_loader
        from shared.config import get_settings

        guardrails = guardrail_loader(get_settings()).load_strict()
    else:
        guardrails = list(DEFAULT_GUARDRAILS.values())
    if args.only:
        unknown = sorted(set(args.only) - {g.name for g in guardrails})
        if unknown:
            raise SystemExit(f"error: no guardrail named {', '.join(unknown)}")
        guardrails = [g for g in guardrails if g.name in args.only]
    return guardrails


def _lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(stream, 1):
        if raw.strip():
            yield number, raw


def _parse(model: type[BaseModel], raw: str) -> tuple[Any, dict[str, Any] | None]:
    try:
        return model.model_validate_json(raw), None
    except ValidationError as exc:
        return None, {
            "title": "invalid line",
            "errors": [e.as_dict() for e in field_errors(exc, prefix="line")],
        }


def scan(engine: GuardrailEngine, stream: IO[str], out: IO[str]) -> int:
    status = EXIT_OK
    for number, raw in _lines(stream):
        line, problem = _parse(ScanLine, raw)
        if line is not None:
            try:
                results = [check.as_dict() for check in engine.scan(line.text)]
            except AppError as exc:
                problem = {"title": exc.title, "detail": exc.detail}
        if problem is not None:
            status = EXIT_BAD_LINES
            out.write(json.dumps({"line": number, "error": problem}) + "\n")
        else:
            out.write(json.dumps({"line": number, "results": results}, ensure_ascii=False) + "\n")
    return status


def run_eval(
    engine: GuardrailEngine,
    stream: IO[str],
    out: IO[str],
    *,
    show_errors: bool,
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS,
) -> int:
    labelled: list[LabelledLine] = []
    status = EXIT_OK
    for number, raw in _lines(stream):
        line, problem = _parse(LabelledLine, raw)
        if problem is not None:
            status = EXIT_BAD_LINES
            sys.stderr.write(json.dumps({"line": number, "error": problem}) + "\n")
        else:
            labelled.append(line)
    result = evaluate(engine, labelled, thresholds)
    for row in result.rows():
        out.write(json.dumps(row) + "\n")
    if show_errors:
        for miss in result.misses:
            sys.stderr.write(json.dumps(miss) + "\n")
    return status


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Logs (ours and any library's) go to stderr: stdout is the JSON lines a script parses.
    configure_logging("WARNING", stream="stderr")
    offline = {"train": run_train, "export-toxic": run_export_toxic}
    if args.command in offline:
        return offline[args.command](args)
    try:
        engine = GuardrailEngine(load_guardrails(args))
    except (OSError, ValueError) as exc:  # unreadable file, bad JSON, invalid guardrail
        sys.stderr.write(f"error: --guardrails: {exc}\n")
        return EXIT_USAGE
    except AppError as exc:
        sys.stderr.write(f"error: {exc.detail}\n")
        return EXIT_UNAVAILABLE
    stream = sys.stdin if args.input is None else args.input.open(encoding="utf-8")
    try:
        with stream:
            if args.command == "scan":
                return scan(engine, stream, sys.stdout)
            return run_eval(
                engine,
                stream,
                sys.stdout,
                show_errors=args.show_errors,
                thresholds=args.thresholds,
            )
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as Unix tools do, not with a
        # traceback; point stdout at /dev/null so the interpreter's final flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
