"""The import rule: the domain depends on Protocols, never on the adapters.

`shared/storage/` holds the adapters (Firestore, Pub/Sub, Secret Manager) and is the only
package besides the composition root (`shared/bootstrap/`) and the migrations operator CLI
(`shared/migrations/`, which works on Firestore directly) that may import `google.cloud`,
`google.api_core` or `shared.storage`. The domain packages, the domain-neutral modules and
the HTTP layers (`shared/http/`, `shared/admin_api/`, `shared/resolve_api.py`) import none
of them, nor the two packages that may (bootstrap, migrations), so no chain of imports
leads from the domain to a Google client either. Every import counts: at module level,
inside a function (lazy), under `if TYPE_CHECKING:` (a type-only import of a storage type
is still a dependency on it), relative, and `importlib.import_module("...")`.

Entry points of the domain packages reach the composition root lazily or from `__main__`:
`python -m shared.<package>` modules and `shared.templates.compat` (the seed's
`get_template()` import path) may import `shared.bootstrap`, nothing else in the scanned
set may.

`google.auth` is allowed: `shared/auth/tokens.py` verifies Google-signed ID tokens with it
(signature, expiry, audience, issuer against Google's published certificates). That is a
verification library, not a client of a Google Cloud service: there is nothing to fake
behind a Protocol, and the tests drive it with tokens they sign themselves.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOMAIN_PACKAGES = (
    "templates",
    "rendering",
    "guardrails",
    "experiments",
    "executions",
    "analytics",
    "auth",
    "audit",
    "changes",
    "webhooks",
)
DOMAIN_MODULES = (
    "__init__.py",
    "cache.py",
    "config.py",
    "errors.py",
    "observability.py",
    "resilience.py",
    "revision.py",
    "strict_json.py",
    "validation.py",
)
HTTP_LAYERS = ("http", "admin_api", "console", "langfuse_api", "resolve_api.py")

ADAPTERS = ("google.cloud", "google.api_core", "shared.storage")
# Allowed to import the adapters, so importing them would reach the adapters indirectly.
ADAPTER_USERS = ("shared.migrations", "shared.bootstrap")
COMPOSITION_ROOT = "shared.bootstrap"
# May import the composition root (never the adapters themselves).
ENTRY_POINTS = ("templates/compat.py",)

ALLOWED = {
    "google.auth": "ID-token verification in shared/auth/tokens.py: a verification library, "
    "not a cloud client (see the module docstring)",
}


def scanned_files(shared: Path) -> list[Path]:
    files: list[Path] = []
    for entry in (*DOMAIN_PACKAGES, *DOMAIN_MODULES, *HTTP_LAYERS):
        path = shared / entry
        if path.is_dir():
            files.extend(sorted(path.rglob("*.py")))
        elif path.is_file():
            files.append(path)
    return files


def _module_name(shared: Path, path: Path) -> str:
    parts = list(path.relative_to(shared.parent).with_suffix("").parts)
    return ".".join(parts)


def imported_names(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, dotted name) of everything a module imports, wherever the import stands."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            # `from shared import storage` imports shared.storage
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (
                    isinstance(node.func, ast.Name)
                    and node.func.id in {"import_module", "__import__"}
                )
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def violations(root: Path) -> list[str]:
    """`file:line imports X` for every import the rule forbids, under root/shared."""
    shared = root / "shared"
    found: list[str] = []
    for path in scanned_files(shared):
        relative = path.relative_to(shared).as_posix()
        module = _module_name(shared, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        entry_point = path.name == "__main__.py" or relative in ENTRY_POINTS
        seen: set[tuple[int, str]] = set()
        for line, name in sorted(imported_names(tree, module, path.name == "__init__.py")):
            if _within(name, tuple(ALLOWED)):
                continue
            bad = _within(name, ADAPTERS) or _within(name, ADAPTER_USERS)
            if bad == COMPOSITION_ROOT and entry_point:
                continue
            if bad is not None and (line, bad) not in seen:
                seen.add((line, bad))
                found.append(f"shared/{relative}:{line} imports {name}")
    return found


def test_the_domain_and_http_layers_import_no_adapter() -> None:
    assert violations(ROOT) == []


def test_every_listed_domain_package_and_module_exists() -> None:
    # A renamed package would silently drop out of the rule.
    shared = ROOT / "shared"
    missing = [
        e for e in (*DOMAIN_PACKAGES, *DOMAIN_MODULES, *HTTP_LAYERS) if not (shared / e).exists()
    ]
    assert missing == []
    assert len(scanned_files(shared)) > 50


def test_every_entry_of_shared_is_classified() -> None:
    # A new package must be placed on one side of the rule, or it would escape it unseen.
    shared = ROOT / "shared"
    classified = {*DOMAIN_PACKAGES, *DOMAIN_MODULES, *HTTP_LAYERS}
    classified |= {name.removeprefix("shared.") for name in ADAPTER_USERS} | {"storage"}
    entries = {
        p.name
        for p in shared.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"
    }
    assert sorted(entries - classified) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = tmp_path / "shared" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("from shared.storage.templates import TemplateRepository\n", "shared.storage.templates"),
        ("import google.cloud.firestore\n", "google.cloud.firestore"),
        ("def f():\n    from google.cloud import pubsub_v1\n", "google.cloud"),
        ("def f():\n    from google.api_core import retry\n", "google.api_core"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from shared.storage.observations import ObservationStore\n",
            "shared.storage.observations",
        ),
        ("from shared import storage\n", "shared.storage"),
        ("from ..storage import secrets\n", "shared.storage"),
        (
            "import importlib\nimportlib.import_module('google.cloud.pubsub_v1')\n",
            "google.cloud.pubsub_v1",
        ),
        ("from shared.bootstrap.resolve import resolve_app\n", "shared.bootstrap.resolve"),
        ("from shared.migrations.runner import Runner\n", "shared.migrations.runner"),
    ],
)
def test_each_form_of_import_is_caught_with_file_and_line(
    tmp_path: Path, source: str, named: str
) -> None:
    root = _tree(tmp_path, {"templates/service.py": '"""doc"""\n' + source})
    found = violations(root)
    assert len(found) == 1
    assert found[0].startswith("shared/templates/service.py:")
    assert found[0].endswith(f"imports {named}")
    line = int(found[0].split(":")[1].split()[0])
    assert source.splitlines()[line - 2].strip().startswith(("from", "import", "importlib"))


def test_entry_points_may_reach_the_composition_root_but_not_the_adapters(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "analytics/__main__.py": "from shared.bootstrap.events import rollup_job\n",
            "templates/compat.py": "def f():\n    from shared.bootstrap.resolution import x\n",
            "guardrails/__main__.py": "from shared.storage.guardrails import Store\n",
            "auth/tokens.py": "from google.auth import jwt\n",
        },
    )
    assert violations(root) == ["shared/guardrails/__main__.py:1 imports shared.storage.guardrails"]
