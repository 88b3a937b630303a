# newsmon developer and CI entry points. `make help` lists the targets.
# Services run on this machine without Docker: deploy/local/{kafka,postgres,prometheus}.sh.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
VBIN := $(VENV)/bin
RUN := .run

# The ports the launchers use; export them so the scripts and the tests agree.
KAFKA_HOST ?= 127.0.0.1
KAFKA_PORT ?= 9092
PG_PORT ?= 55432
export KAFKA_HOST KAFKA_PORT PG_PORT
export NEWSMON_TEST_KAFKA_BOOTSTRAP ?= $(KAFKA_HOST):$(KAFKA_PORT)
export NEWSMON_TEST_POSTGRES_URL ?= postgresql+psycopg://newsmon@127.0.0.1:$(PG_PORT)/newsmon_test

PYTEST_ARGS ?=
EVAL_DIR ?= $(CURDIR)/../shared/eval

.PHONY: help venv up up-kafka up-postgres up-prometheus down status test test-unit demo eval train lint bench fetch compose-schema

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@if [ ! -x $(VBIN)/python ]; then \
	  $(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)' \
	    || { echo "make: newsmon needs Python 3.11-3.13; set PYTHON=python3.11 (found $$($(PYTHON) --version))" >&2; exit 1; }; \
	  echo "make: creating $(VENV) with $$($(PYTHON) --version)"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	@echo "make: installing newsmon and its test dependencies into $(VENV) (pyproject.toml changed or first run)"
	$(VBIN)/python -m pip install --disable-pip-version-check -q -e '.[test]'
	@touch $@

venv: $(VENV)/.installed ## Create .venv and install the project (again only when pyproject.toml changes)

fetch: ## Download the Kafka broker jars (Maven Central, cached in .kafka/ and ~/.m2)
	@deploy/local/kafka.sh fetch

up-kafka:
	@deploy/local/kafka.sh start
up-postgres:
	@deploy/local/postgres.sh start

up: venv ## Start Kafka (127.0.0.1:9092) and PostgreSQL (127.0.0.1:55432); ports: KAFKA_PORT, PG_PORT (KAFKA_TLS=1: TLS listeners)
	@deploy/local/kafka.sh start
	@deploy/local/postgres.sh start

up-prometheus: ## Start Prometheus on 127.0.0.1:9090 (PROMETHEUS_PORT), scraping the worker on NEWSMON_WEB_PORT
	@deploy/local/prometheus.sh start

down: ## Stop the demo worker, Prometheus, Kafka and PostgreSQL (whatever of them runs)
	@deploy/local/demo.sh stop || true
	@deploy/local/prometheus.sh stop || true
	@deploy/local/kafka.sh stop || true
	@deploy/local/postgres.sh stop || true

status: ## Show which services run
	@deploy/local/kafka.sh status || true
	@deploy/local/postgres.sh status || true
	@deploy/local/prometheus.sh status || true
	@deploy/local/demo.sh status || true

# pytest exits 5 when it ran no test: that fails here like any other non-zero exit.
test: venv up ## Run every tier (unit, integration, e2e) against the real services
	@deploy/local/prometheus.sh install >/dev/null
	@mkdir -p $(RUN) && rm -f $(RUN)/junit.xml
	@rc=0; $(VBIN)/pytest tests --junitxml=$(RUN)/junit.xml $(PYTEST_ARGS) || rc=$$?; \
	  $(VBIN)/python deploy/local/junit_tiers.py $(RUN)/junit.xml || true; \
	  if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests" >&2; fi; \
	  exit $$rc

test-unit: venv ## Run only tests/unit (no services)
	$(VBIN)/pytest tests/unit $(PYTEST_ARGS)

demo: venv ## Start Kafka and a worker, publish the sample articles, show what came out (DEMO_FEEDS=streams/samples/feeds/feeds.yaml: also poll the sample feeds)
	@deploy/local/kafka.sh start
	@deploy/local/demo.sh

eval: venv ## score.py v2 on every gold file in ../shared/eval (EVAL_DIR), rules only and with the learned layer, and 5-fold CV on train/, with 95% bootstrap intervals (EVAL_ARGS=--variants adds the layers not shipped)
	$(VBIN)/python -m processors.learned.evaluate --eval-dir "$(EVAL_DIR)" --cv $(EVAL_ARGS)

train: venv ## Fit the learned layer on ../shared/eval/train (EVAL_DIR) -> processors/data/model/learned.json (deterministic; not part of make test)
	@$(VBIN)/python -c 'import sklearn' 2>/dev/null || $(VBIN)/python -m pip install --disable-pip-version-check -q -e '.[train]'
	$(VBIN)/python -m processors.learned.train --eval-dir "$(EVAL_DIR)"
	@echo "make: next, 'make eval' scores the new model; 'git diff --stat processors/data/model' shows it changed"

lint: venv ## ruff, import-linter and mypy (schemas/, processors/, storage/); `make test` runs them too
	$(VBIN)/ruff check .
	$(VBIN)/lint-imports
	$(VBIN)/mypy

BENCH_ARGS ?=
bench: venv up ## newsmon bench: spaCy (1 and 2 processes), analyze, 1 and 2 workers in rounds, latency, RSS -> .run/bench.json (BENCH_ARGS)
	@mkdir -p $(RUN)
	$(VBIN)/newsmon bench --out $(RUN)/bench.json $(BENCH_ARGS)

compose-schema: ## Re-extract the Compose JSON schema (tests/unit/compose_schema) from PyPI's docker-compose wheel
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  $(VBIN)/python -m pip download --disable-pip-version-check -q --no-deps -d "$$tmp" docker-compose==1.29.2; \
	  unzip -p "$$tmp"/docker_compose-1.29.2-*.whl compose/config/compose_spec.json > tests/unit/compose_schema/compose_spec.json; \
	  sha256sum tests/unit/compose_schema/compose_spec.json
