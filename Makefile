# Heard: `make help` lists the targets. `make run` and `make test` set everything up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Any Python 3.11+ will do for running and testing; Lambda runs 3.13 (see template.yaml).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DATA   ?= ../shared/data
STAGE  ?= dev

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Heard needs Python 3.11 or newer (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.PHONY: install
install: $(STAMP) ## Create .venv and install Heard with its dev tools

.PHONY: run
run: $(STAMP) ## Run the local stack (moto, HTTP API on :3000, demo traffic); Ctrl-C stops it
	$(BIN)/python -m heard_local

.PHONY: test
test: lint ## Lint, then run every test (unit, integration, end-to-end, browser)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "$$HEARD_CHROMIUM" ] || \
		echo "NOTE: no Chromium: the browser tests (tests/browser) will be SKIPPED. Install it with: sudo apt-get install -y chromium"
	$(BIN)/pytest -q

.PHONY: test-domain
test-domain: $(STAMP) ## The domain's unit tests on in-memory fakes (no moto; about a second)
	$(BIN)/pytest -q tests/unit/domain

# Each function's app.py is checked on its own: they share the module name "app".
.PHONY: lint
lint: $(STAMP) ## ruff (lint + format check), mypy (layer, devtools, each function) and cfn-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	for app in functions/*/app.py; do $(BIN)/mypy --no-error-summary "$$app" || exit 1; done
	$(BIN)/cfn-lint template.yaml

.PHONY: format
format: $(STAMP) ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: validate
validate: ## sam validate --lint (installs the SAM CLI in .tools/ on first use)
	scripts/sam.sh validate --lint --config-env $(STAGE)

.PHONY: build
build: ## sam build for python3.13 on arm64
	scripts/sam.sh build --config-env $(STAGE)

.PHONY: deploy
deploy: build ## sam deploy to your AWS account (STAGE=dev|prod; --guided the first time)
	scripts/sam.sh deploy --config-env $(STAGE) $(if $(GUIDED),--guided,)

.PHONY: bench
bench: $(STAMP) ## Cold import times and the local stack's throughput and latency
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/pipeline.py

.PHONY: bench-cost
bench-cost: $(STAMP) ## DynamoDB write units per mention and AWS cost per million, before/after the indexes
	$(BIN)/python bench/cost.py

.PHONY: bench-spikes
bench-spikes: $(STAMP) ## Spike check on synthetic streams (both detectors, and volume alone): incidents found, delay, false alarms
	$(BIN)/python bench/spikes.py

.PHONY: bench-triage
bench-triage: $(STAMP) ## Triage quality and speed vs VADER and TextBlob (DATA=../shared/data)
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python bench/triage.py $(DATA)
	$(BIN)/python bench/triage_eval.py

.PHONY: bench-triage-eval
bench-triage-eval: $(STAMP) ## Triage on Heard's own evaluation set (bench/data/triage_eval), per label and per kind
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python bench/triage_eval.py --kinds

.PHONY: train
train: train-fast train-contextual ## Retrain both shipped triage models from DATA=../shared/data

.PHONY: train-fast
train-fast: $(STAMP) ## Retrain the pure-Python triage model (a minute)
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python scripts/train_triage.py $(DATA)

# About an hour on two CPU cores (a third of it the six-layer teacher), minutes on a GPU;
# TRAIN_ARGS="--cv 10" adds the complaint cross-validation (ten more fine-tunes). Installs
# PyTorch (large) on first use.
.PHONY: train-contextual
train-contextual: $(STAMP) ## Fine-tune the contextual triage model (shared/heard_triage_model)
	$(BIN)/python -m pip install --quiet -e '.[dev,finetune]'
	$(BIN)/python scripts/train_contextual.py $(DATA) $(TRAIN_ARGS)

.PHONY: clean
clean: ## Remove build outputs and local state (keeps .venv)
	rm -rf .aws-sam .heard .pytest_cache .ruff_cache
