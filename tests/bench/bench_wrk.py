"""Benchmark: the served resolve function under wrk, a load generator that is not the bottleneck.

    make bench        (or: .venv/bin/python -m tests.bench.bench_wrk; needs `wrk` on PATH)

The resolve function and a bare functions-framework endpoint answering the same bytes are
served as production serves them (functions-framework CLI: gunicorn imports the module, then
its worker answers; default threads), with INFO logging to a file, as under `make dev`.
wrk (C, one thread, keep-alive) drives each at concurrency 1, 8 and 32, in alternating rounds
(bare, bare_like_get, GET, GET the usual way, render, render of new bytes, of new text and
of fresh text, POST /executions, then again), so machine noise hits all alike. A plain cache-hit GET
is answered beneath Flask (shared/http/fast_path.py); "get_usual" asks for the very same
cached answer with `?label=production`, which goes through functions-framework's Flask app
as every GET did before, so both ways are measured in one run. `bare_like_get` is the bare
endpoint sending the three headers every cache-hit GET sends, asked the GET's path with its
key header: GET / bare_like_get is what the resolve function's own work costs, and
bare_like_get / bare what the framework spends on what any GET answer carries. For each
concurrency it reports the median over rounds of requests/s, p50 and p99 latency, and the
ratios within each round: cache-hit GET / bare (and / bare_like_get), each render variant /
GET, POST /executions / bare. Render is a typical student request (~1.5 KB of variables)
with the three default guardrails, the same body each time (answered from the answer kept
for it after the first: resolve_api.RenderMemo); "render_unkept" sends the same JSON in new
bytes each time (ten characters of whitespace spelling a counter), which the endpoint
renders and guards again (the guardrails remember texts they scanned); "render_new" sends
that body with a counter at the start of its first variable (`grade_level`, which then
also makes the injection guard scan the variables joined), so every request's text is new
to the guardrails and every detector runs (on what is new: the detectors remember the
scores of sentences and windows they saw); "render_fresh" sends the student query's
sentences shuffled, each with the counter, so no sentence and no window
was seen before (what remembering cannot help); POST /executions publishes one execution report to
the Pub/Sub emulator (202).

Logs are part of the cost and run as deployed: plain cache hits log a LOG_CACHE_HITS_SAMPLE
share of their lines (default 0.01). The run fails unless the worker wrote at least that
share of the GET and render requests wrk counted, each line carrying the rate (a benchmark
once ran while no line was written).

Only ratios measured in one run mean something on a shared machine; absolute figures are
context. BENCH_ROUNDS (default 3) and BENCH_ROUND_SECONDS (default 4) size the run.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from infra.local.emulators import start_firestore, start_pubsub, stop_process_group
from infra.local.pubsub import wire
from shared.config import Settings
from shared.storage.templates import TemplateRepository
from shared.templates.defaults import DEFAULT_TEMPLATES
from tests.bench.bench_detectors import TAG_LETTERS
from tests.bench.bench_resolve import CACHE_HIT_LINE, LOGS, NAME, _serve, bench_environment
from tests.support import put_version

PROJECT = "demo-bench-wrk"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ROUND_SECONDS = int(os.environ.get("BENCH_ROUND_SECONDS", "4"))
CONCURRENCY = tuple(int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,8,32").split(","))
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
# A typical student request of ~1.5 KB in distinct sentences (a repeated paragraph would
# flatter the detectors, which score a sentence repeated within one text once).
RENDER_BODY = {
    "variables": {
        "grade_level": "8",
        "student_query": (
            "Hi! For my science project I need a short video about photosynthesis. "
            "Could you explain how plants turn sunlight into food, step by step? "
            "My teacher said chlorophyll is important, but I do not understand what it does. "
            "Why are most leaves green and not another colour like blue or purple? "
            "In autumn the trees near our school turn red and yellow, so what changes inside? "
            "I would also like to know where the oxygen we breathe comes from. "
            "Do plants need carbon dioxide at night, or only during the day? "
            "My little brother thinks plants eat soil; is that true at all? "
            "Please include a simple experiment we can do at home with a jar and a leaf. "
            "The video should be about three minutes long and use friendly language. "
            "It would help if you mention glucose and how the plant stores energy. "
            "Can you add a short quiz at the end with four questions and answers? "
            "We are presenting it to grade six students next Thursday morning. "
            "Thank you so much, this project counts for half of our term grade! "
            "One more thing: could the script name two careers that study plants? "
            "Also, is it okay to compare a leaf to a tiny solar panel in the narration? "
            "Our class has a small greenhouse, so maybe we can film some shots in there. "
            "I read that some plants, like cacti, open their pores only at night; why? "
            "Finally, what would happen to animals if photosynthesis stopped for a week?"
        ),
    }
}


def execution_report() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "execution_id": f"exec-{uuid.uuid4().hex}",
        "template": NAME,
        "version": 1,
        "label": "production",
        "source": "cache",
        "model": "gemini-2.5-flash",
        "rendered_prompt": "Classify: why is the sky blue?",
        "response": '{"topic": "light scattering"}',
        "input_tokens": 120,
        "output_tokens": 30,
        "cost_usd": "0.000375",
        "latency_ms": 420.5,
        "success": True,
        "finished_at": datetime.now(UTC).isoformat(),
    }


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("ERROR: wrk not found; `make bench` installs it (Debian package wrk)")
    return found


def _script(directory: Path, method: str, body: bytes | None, key: str | None) -> Path:
    """A wrk Lua script: method, headers, body (wrk's -H/-s, without shell quoting)."""
    lines = [f'wrk.method = "{method}"']
    if key is not None:
        lines.append(f'wrk.headers["X-API-Key"] = "{key}"')
    if body is not None:
        body_path = directory / f"body-{uuid.uuid4().hex}.json"
        body_path.write_bytes(body)
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f'local f = io.open("{body_path}", "rb"); wrk.body = f:read("*a"); f:close()')
    path = directory / f"script-{uuid.uuid4().hex}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def _post_script(
    directory: Path, key: str, setup: list[str], per_request: list[str], body: str
) -> Path:
    """A wrk Lua script POSTing JSON whose body, the Lua expression `body`, is built per
    request after `per_request` ran; `n` counts the requests."""
    lines = [
        'wrk.method = "POST"',
        f'wrk.headers["X-API-Key"] = "{key}"',
        'wrk.headers["Content-Type"] = "application/json"',
        "local n = 0",
        *setup,
        "request = function()",
        "  n = n + 1",
        *per_request,
        f"  return wrk.format(nil, nil, nil, {body})",
        "end",
    ]
    path = directory / f"script-{uuid.uuid4().hex}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def _numbered_script(directory: Path, body: dict[str, Any], key: str) -> Path:
    """A POST whose body's first variable starts with a number that grows per request."""
    first = next(iter(body["variables"]))
    marked = {**body, "variables": {**body["variables"]}}
    marked["variables"][first] = "Question @@N@@: " + str(body["variables"][first])
    head, tail = json.dumps(marked).split("@@N@@")
    setup = [f"local head, tail = {json.dumps(head)}, {json.dumps(tail)}"]
    return _post_script(directory, key, setup, [], "head .. n .. tail")


def _respaced_script(directory: Path, body: dict[str, Any], key: str) -> Path:
    """A POST of the same JSON each time, its bytes made new by ten characters of JSON
    whitespace spelling the request's number in base 4: what a repeated render costs when
    its answer is not kept (resolve_api.RenderMemo keys on the bytes)."""
    setup = [f"local text = {json.dumps(json.dumps(body))}"]
    setup.append('local spaces = {" ", "\\t", "\\n", "\\r"}')
    per_request = [
        "  local pad, m = {}, n",
        "  for i = 1, 10 do pad[i] = spaces[m % 4 + 1]; m = math.floor(m / 4) end",
    ]
    return _post_script(directory, key, setup, per_request, "table.concat(pad) .. text")


def _fresh_script(directory: Path, body: dict[str, Any], key: str) -> Path:
    """A POST whose longest variable is its sentences shuffled, each marked with the
    request's number and its place, so every sentence of every request is new."""
    variables = body["variables"]
    longest = max(variables, key=lambda name: len(str(variables[name])))
    sentences = re.split(r"(?<=[.!?])\s+", str(variables[longest]))
    marked = {**body, "variables": {**variables, longest: "@@TEXT@@"}}
    head, tail = json.dumps(marked).split("@@TEXT@@")
    # ASCII sentences: their JSON escapes (\" and \\) are Lua's too.
    pool = ", ".join(json.dumps(json.dumps(sentence)[1:-1]) for sentence in sentences)
    assert all(sentence.isascii() for sentence in sentences)
    setup = [
        f"local head, tail = {json.dumps(head)}, {json.dumps(tail)}",
        f"local pool = {{{pool}}}",
        # Numbers as words of letters that spell nothing (bench_detectors.tag): no digits
        # for the PII scan to weigh, no insult for the toxic filter to block.
        f'local letters = "{TAG_LETTERS}"',
        "local function tag(x)",
        "  local s = ''",
        "  repeat",
        "    local d = x % #letters",
        "    s = letters:sub(d + 1, d + 1) .. s",
        "    x = (x - d) / #letters",
        "  until x == 0",
        "  return s",
        "end",
    ]
    per_request = [
        "  local order = {}",
        "  for i = 1, #pool do order[i] = i end",
        "  for i = #order, 2, -1 do",
        "    local j = math.random(i)",
        "    order[i], order[j] = order[j], order[i]",
        "  end",
        "  local parts = {}",
        "  for i, k in ipairs(order) do parts[i] = tag(n) .. ' ' .. tag(i) .. ') ' .. pool[k] end",
    ]
    return _post_script(
        directory, key, setup, per_request, "head .. table.concat(parts, ' ') .. tail"
    )


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(
    wrk: str, url: str, script: Path, connections: int, seconds: int = ROUND_SECONDS
) -> dict[str, float]:
    result = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or errors:
        raise RuntimeError(f"wrk saw failures against {url}:\n{out}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    requests_total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "requests": requests_total,
    }


def _lines(log: Path) -> int:
    with log.open(encoding="utf-8", errors="replace") as handle:
        return sum(1 for line in handle if line.startswith("{") and CACHE_HIT_LINE in line)


def _sample_rates(log: Path) -> set[float | None]:
    with log.open(encoding="utf-8", errors="replace") as handle:
        return {
            json.loads(line).get("log_sample_rate")
            for line in handle
            if line.startswith("{") and line.endswith("\n") and CACHE_HIT_LINE in line
        }


def _wait_lines(log: Path, expected: int, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while (written := _lines(log)) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return written


def _settled_lines(log: Path) -> int:
    """The line count once the worker has written what it was writing."""
    previous = -1
    while (current := _lines(log)) != previous:
        previous = current
        time.sleep(0.5)
    return current


def _summary(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {
        key: round(statistics.median(r[key] for r in rounds), 3)
        for key in ("rps", "p50_ms", "p99_ms")
    }


def bench(env: dict[str, str], wrk: str) -> dict[str, Any]:
    resolve = _serve("functions/resolve/main.py", "resolve", env)
    bare = bare_like_get = None
    work = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    try:
        key = env["BENCH_API_KEY"]
        get_url = f"{resolve.url}/templates/{NAME}"
        with requests.Session() as session:
            session.headers["X-API-Key"] = key
            first = session.get(get_url)
            assert first.json()["source"] == "firestore", first.text[:500]
            body = session.get(get_url)
            assert body.json()["source"] == "cache", body.text
            render = session.post(f"{get_url}/render", json=RENDER_BODY)
            assert render.status_code == 200, render.text
            assert len(render.json()["guardrails"]["ran"]) == 3, render.text
            posted = session.post(f"{resolve.url}/executions", json=execution_report())
            assert posted.status_code == 202, posted.text
        bare_body = work / "bare.json"
        bare_body.write_bytes(body.content)
        bare_env = {**env, "BARE_BODY_PATH": str(bare_body)}
        bare = _serve("tests/bench/bare_function/main.py", "bare", bare_env)
        bare_like_get = _serve("tests/bench/bare_function/main.py", "bare_like_get", bare_env)
        scripts = {
            "bare": (f"{bare.url}/", _script(work, "GET", None, None)),
            "bare_like_get": (
                f"{bare_like_get.url}/templates/{NAME}",
                _script(work, "GET", None, key),
            ),
            "get": (get_url, _script(work, "GET", None, key)),
            "get_usual": (f"{get_url}?label=production", _script(work, "GET", None, key)),
            "render": (
                f"{get_url}/render",
                _script(work, "POST", json.dumps(RENDER_BODY).encode(), key),
            ),
            "render_unkept": (f"{get_url}/render", _respaced_script(work, RENDER_BODY, key)),
            "render_new": (f"{get_url}/render", _numbered_script(work, RENDER_BODY, key)),
            "render_fresh": (f"{get_url}/render", _fresh_script(work, RENDER_BODY, key)),
            "executions": (
                f"{resolve.url}/executions",
                _script(work, "POST", json.dumps(execution_report()).encode(), key),
            ),
        }
        for url, script in scripts.values():  # warm both servers' code paths and connections
            run_wrk(wrk, url, script, max(CONCURRENCY), seconds=1)
        logged = 0
        lines_before = _settled_lines(resolve.log_path)
        results: dict[str, Any] = {}
        for connections in CONCURRENCY:
            rounds: dict[str, list[dict[str, float]]] = {name: [] for name in scripts}
            for _ in range(ROUNDS):
                for name, (url, script) in scripts.items():
                    rounds[name].append(run_wrk(wrk, url, script, connections))
            logged += sum(
                r["requests"]
                for name in (
                    "get",
                    "get_usual",
                    "render",
                    "render_unkept",
                    "render_new",
                    "render_fresh",
                )
                for r in rounds[name]
            )

            def ratio(a: str, b: str, key: str = "rps", rounds: Any = rounds) -> float:
                pairs = zip(rounds[a], rounds[b], strict=True)
                return round(statistics.median(x[key] / y[key] for x, y in pairs), 3)

            results[f"c{connections}"] = {
                **{name: _summary(r) for name, r in rounds.items()},
                "get_vs_bare": ratio("get", "bare"),
                "bare_like_get_vs_bare": ratio("bare_like_get", "bare"),
                "get_vs_bare_like_get": ratio("get", "bare_like_get"),
                "get_usual_vs_bare": ratio("get_usual", "bare"),
                "get_vs_get_usual": ratio("get", "get_usual"),
                "render_vs_get_usual": ratio("render", "get_usual"),
                "render_vs_get": ratio("render", "get"),
                "render_unkept_vs_get": ratio("render_unkept", "get"),
                "render_new_vs_get": ratio("render_new", "get"),
                "render_fresh_vs_get": ratio("render_fresh", "get"),
                "render_p99_vs_get_p99": ratio("render", "get", "p99_ms"),
                "executions_vs_bare": ratio("executions", "bare"),
                "get_p99_vs_bare_p99": ratio("get", "bare", "p99_ms"),
            }
        rate = Settings.from_env(env).log_cache_hits_sample
        expected = math.floor(logged * rate)
        written = _wait_lines(resolve.log_path, lines_before + expected) - lines_before
        # wrk counts completed responses; a request cut at a round's end may be logged yet
        # not counted, never the other way round.
        if written < expected:
            raise RuntimeError(
                f"the worker wrote {written} cache-hit lines for {logged} GET/render "
                f"requests sampled at {rate}; see {resolve.log_path}"
            )
        rates = _sample_rates(resolve.log_path)
        if rate < 1 and rates != {rate}:
            raise RuntimeError(f"sampled cache-hit lines carry the rates {rates}, not {rate}")
        results["log_lines"] = {
            "requests": logged,
            "sample_rate": rate,
            "expected_at_least": expected,
            "cache_hit_lines_written": written,
        }
        results["settings"] = {
            "rounds": ROUNDS,
            "round_seconds": ROUND_SECONDS,
            "server": "functions-framework CLI (gunicorn gthread, 1 worker, default THREADS)",
            "client": "wrk -t1 --latency, keep-alive",
            "log_level": env.get("LOG_LEVEL"),
        }
        return results
    finally:
        for function in (resolve, bare, bare_like_get):
            if function is not None:
                stop_process_group(function.process)
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    wrk = require_wrk()
    LOGS.mkdir(parents=True, exist_ok=True)
    firestore = start_firestore(LOGS)
    pubsub = None
    try:
        pubsub = start_pubsub(LOGS, PROJECT)
        env = bench_environment(firestore.host, PROJECT)
        topic = f"bench-executions-{uuid.uuid4().hex[:8]}"
        wire(pubsub.host, PROJECT, record_url=None, rollup_url=None, executions_topic=topic)
        env |= {"PUBSUB_EMULATOR_HOST": pubsub.host, "EXECUTIONS_TOPIC": topic}
        # A busy shared machine must not turn the first read into a fallback answer.
        env |= {"FIRESTORE_DEADLINE_SECONDS": "5", "FIRESTORE_COLD_DEADLINE_SECONDS": "10"}
        settings = Settings.from_env(env)
        put_version(
            TemplateRepository(settings),
            DEFAULT_TEMPLATES[NAME],
            author="bench",
            labels=("production",),
        )
        results = bench(env, wrk)
    finally:
        firestore.stop()
        if pubsub is not None:
            pubsub.stop()
    print(json.dumps(results, indent=2))
    for level in CONCURRENCY:
        r = results[f"c{level}"]
        print(
            f"c={level}: GET/bare {r['get_vs_bare']:.2f} (target >= 0.90; "
            f"a bare endpoint sending the GET's headers on its path "
            f"{r['bare_like_get_vs_bare']:.2f}, GET/that {r['get_vs_bare_like_get']:.2f}), "
            f"GET the usual way/bare {r['get_usual_vs_bare']:.2f}, "
            f"GET p99 {r['get']['p99_ms']:.1f} ms vs bare {r['bare']['p99_ms']:.1f} ms, "
            f"render/GET {r['render_vs_get']:.2f} (target >= 0.70; "
            f"render/GET the usual way {r['render_vs_get_usual']:.2f}; "
            f"the same JSON in new bytes {r['render_unkept_vs_get']:.2f}, "
            f"new text each request {r['render_new_vs_get']:.2f}, "
            f"render_fresh / GET {r['render_fresh_vs_get']:.2f}), "
            f"POST /executions/bare {r['executions_vs_bare']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
