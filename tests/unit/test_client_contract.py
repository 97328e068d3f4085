"""The client distribution and the server agree: one cache, one placeholder token, the same
bundled defaults, the same override semantics, the same seed dict; and the client installs
and imports without the server's package or any Google Cloud client library."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import prompt_client.cache
import prompt_client.placeholders
import pytest
from prompt_client.client import _legacy
from prompt_client.fallbacks import MODEL_DEFAULTS, bundled_defaults, parse_custom_templates

import shared.cache
import shared.rendering
from infra.local import client_defaults
from shared.templates.defaults import DEFAULT_TEMPLATES
from shared.templates.model import ModelConfig
from shared.templates.overrides import parse_custom_templates as server_parse
from tests.conftest import ROOT

CLIENT = ROOT / "clients" / "python"


def test_the_shipped_defaults_are_generated_from_the_servers():
    assert client_defaults.TARGET.read_text(encoding="utf-8") == client_defaults.render(), (
        "run `make client-defaults`"
    )
    for name, template in DEFAULT_TEMPLATES.items():
        expected = {**template.to_legacy_dict(), "label": None}
        assert _legacy({**bundled_defaults()[name], "version": None, "label": None}) == expected


def test_omitted_model_settings_take_the_servers_defaults():
    assert ModelConfig().model_dump(mode="json") == MODEL_DEFAULTS


OVERRIDES = {
    "flat": {"template": "Hi {{ who }} {x}", "temperature": 0.9, "top_k": 5},
    "nested": {"template": "Hi", "model_config": {"max_output_tokens": 99}},
    "declared": {"template": "Hi {{a}}", "variables": ["a", "b"], "description": "d"},
    "chat": {"messages": [{"role": "system", "content": "Be {{tone}}"}]},
}


@pytest.mark.parametrize("name", sorted(OVERRIDES))
def test_an_override_means_the_same_to_the_client_and_the_server(name):
    raw = json.dumps({name: OVERRIDES[name]})
    (client,) = parse_custom_templates(raw).values()
    (server,) = server_parse(raw).values()
    assert _legacy({**client, "version": None, "label": None}) == {
        **server.to_legacy_dict(),
        "label": None,
    }


@pytest.mark.parametrize(
    "entry",
    [
        {"template": "x", "messages": [{"role": "user", "content": "y"}]},
        {"description": "no body"},
        {"template": "x", "unknown": 1},
        {"template": "x", "temperature": 0.1, "model_config": {"top_p": 0.5}},
        {"messages": [{"role": "robot", "content": "y"}]},
        "not an object",
    ],
)
def test_an_override_the_server_skips_the_client_skips_too(entry):
    raw = json.dumps({"t": entry})
    assert server_parse(raw) == {}
    assert parse_custom_templates(raw) == {}


def test_there_is_one_cache_and_one_placeholder_token():
    assert shared.cache.TTLCache is prompt_client.cache.TTLCache
    assert shared.cache.SingleFlight is prompt_client.cache.SingleFlight
    assert shared.rendering.to_format_string is prompt_client.placeholders.to_format_string


def test_the_client_imports_without_the_server_or_google_cloud():
    probe = (
        "import sys, prompt_client; c = prompt_client.PromptClient("
        "prompt_client.ClientConfig(url='http://x', api_key='k')); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('shared', 'pydantic', 'flask') "
        "or m.startswith('google.cloud.')]; print(bad); sys.exit(1 if bad else 0)"  # the bare
        # `google.cloud` namespace is pre-imported by site-packages' .pth files, not by us
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=CLIENT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    dependencies = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert all(not d.startswith(("google-cloud", "pydantic")) for d in dependencies)
    assert all("<" in d and ">=" in d for d in dependencies)  # a pinned range each
