# Two commands do everything: `make dev` (the whole local stack) and `make test` (the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: venv dev test lint format unit integration e2e bench wrk bench-guardrails checkov infra-check openapi tools clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

# The emulators ship with the gcloud CLI and need Java; fail loudly and early without them.
tools:
	@command -v gcloud >/dev/null || { echo "ERROR: gcloud CLI not found (it ships the Firestore and Pub/Sub emulators)"; exit 1; }
	@command -v java >/dev/null || { echo "ERROR: java not found (the emulators need it)"; exit 1; }

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
test: venv tools wrk lint infra-check
	$(BIN)/python -m pytest

unit: venv
	$(BIN)/python -m pytest tests/unit

integration: venv tools
	$(BIN)/python -m pytest tests/integration

e2e: venv tools
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
	$(BIN)/python -m tests.bench.bench_experiments

# presidio-analyzer (and spaCy, which it pulls in) live only in this separate environment.
BENCH_VENV := .venv-bench
bench-guardrails: venv
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	$(BENCH_VENV)/bin/python -m tests.bench.bench_guardrails

# Regenerate the committed OpenAPI document of the admin API (a test fails when it drifts).
openapi: venv
	$(BIN)/python -m infra.local.openapi

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
	rm -rf $(VENV) $(BENCH_VENV) $(INFRA_VENV) .local .pytest_cache .ruff_cache
