# Two commands do everything: `make dev` (the whole local stack) and `make test` (the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The client distribution's metadata counts too: a change to its dependencies re-installs.
CLIENT := clients/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt $(CLIENT)/pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: venv dev test lint format unit integration e2e bench wrk bench-guardrails checkov infra-check openapi client-defaults langfuse-sdk-3 tools chromium clean

# requirements.txt installs the client as deployments do (a copy); it is then re-installed
# editable, so the tests and the served functions run the working tree's client code.
$(STAMP): requirements.txt requirements-dev.txt $(CLIENT)/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e ./$(CLIENT)
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

# The emulators ship with the gcloud CLI and need Java; fail loudly and early without them.
tools:
	@command -v gcloud >/dev/null || { echo "ERROR: gcloud CLI not found (it ships the Firestore and Pub/Sub emulators)"; exit 1; }
	@command -v java >/dev/null || { echo "ERROR: java not found (the emulators need it)"; exit 1; }

# The console's browser tests drive Debian's Chromium through Playwright (executable_path,
# never `playwright install`: no browser download). Installed here only when it is missing.
CHROMIUM := /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests ..."; \
	    apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; \
	  fi; }
	@test -x $(CHROMIUM) || { echo "ERROR: $(CHROMIUM) is missing and could not be installed; run: sudo apt-get install -y chromium"; exit 1; }

dev: venv tools
	$(BIN)/python -m infra.local.dev

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pytest exits 5 when it collects no test; make treats any non-zero exit as failure.
test: venv tools wrk chromium lint infra-check
	$(BIN)/python -m pytest

unit: venv
	$(BIN)/python -m pytest tests/unit

integration: venv tools
	$(BIN)/python -m pytest tests/integration

e2e: venv tools chromium
	$(BIN)/python -m pytest tests/e2e

# wrk (Debian's package) is the outside load generator: installed here when missing, and the
# target fails loudly when it cannot be.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
wrk:
	@command -v wrk >/dev/null || $(SUDO) apt-get install -y wrk >/dev/null 2>&1 \
		|| { $(SUDO) apt-get update >/dev/null && $(SUDO) apt-get install -y wrk >/dev/null; } \
		|| { echo "ERROR: could not install wrk (Debian package wrk): apt-get failed"; exit 1; }
	@command -v wrk >/dev/null || { echo "ERROR: wrk is not on PATH after installing it"; exit 1; }

bench: venv tools wrk
	$(BIN)/python -m tests.bench.bench_wrk
	$(BIN)/python -m tests.bench.bench_cold
	$(BIN)/python -m tests.bench.bench_resolve
	$(BIN)/python -m tests.bench.bench_audit
	$(BIN)/python -m tests.bench.bench_publish
	$(BIN)/python -m tests.bench.bench_experiments
	$(BIN)/python -m tests.bench.bench_client
	$(BIN)/python -m tests.bench.bench_langfuse

# presidio-analyzer (and spaCy, which it pulls in) live only in this separate environment.
BENCH_VENV := .venv-bench
bench-guardrails: venv
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	$(BENCH_VENV)/bin/python -m tests.bench.bench_guardrails

# Regenerate the committed OpenAPI document of the admin API (a test fails when it drifts).
openapi: venv
	$(BIN)/python -m infra.local.openapi

# Regenerate the bundled defaults the HTTP client ships (a test fails when they drift).
client-defaults: venv
	$(BIN)/python -m infra.local.client_defaults

# Terraform checked offline (no terraform binary here): checkov with zero failed checks, in
# its own environment, then the consistency tests (tests/infra). `make test` runs it first.
INFRA_VENV := .venv-infra
INFRA_STAMP := $(INFRA_VENV)/.installed-$(shell cat requirements-infra.txt | cksum | cut -d' ' -f1)
$(INFRA_STAMP): requirements-infra.txt
	@test -x $(INFRA_VENV)/bin/python || $(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-infra.txt
	@rm -f $(INFRA_VENV)/.installed-*
	@touch $(INFRA_STAMP)

checkov: $(INFRA_STAMP)
	$(INFRA_VENV)/bin/checkov -d infra/terraform --framework terraform --quiet --compact --skip-download

infra-check: venv checkov
	$(BIN)/python -m pytest tests/infra -q

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(INFRA_VENV) $(LANGFUSE3) .local .pytest_cache .ruff_cache tests/e2e/js/node_modules

# The Langfuse SDK tests once more with a 3.x SDK (requirements-dev.txt pins the latest
# major): installed into its own folder, put in front of the venv's copy for this run only.
LANGFUSE3 := .venv-langfuse3
langfuse-sdk-3: venv tools
	@test -d $(LANGFUSE3)/langfuse || $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --target $(LANGFUSE3) langfuse==3.15.0
	PYTHONPATH=$(CURDIR)/$(LANGFUSE3) $(BIN)/python -m pytest -p no:cacheprovider tests/e2e/test_langfuse_sdk.py
