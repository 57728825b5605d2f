# The two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The boundary data ships in data/ (data/README.md). An admin's own PRG conversion elsewhere:
# KMZB_DATA_SRC=/path/to/folder make run (a folder with garrisons.json and boundaries/).
ifdef KMZB_DATA_SRC
export KMZB_DATA_DIR := $(abspath $(KMZB_DATA_SRC))
endif

.PHONY: run test jstest site lint typecheck unit integration bench deps tables synth checkov deploy deploy-national \
	clean reset prerequisites prerequisites-test

# What the machine must have, checked before any long install (and with what to do).
prerequisites:
	@PYTHON=$(PYTHON) infra/prerequisites.sh run
prerequisites-test:
	@PYTHON=$(PYTHON) infra/prerequisites.sh test

deps: prerequisites $(VENV)/.installed node_modules/.installed static_site/vendor/.built build/site/index.html

# Leaflet for the static site, copied from npm (no CDN at run time), and the built site.
static_site/vendor/.built: node_modules/.installed $(VENV)/.installed infra/build_site.py
	$(PY) -m infra.build_site --vendor
	touch $@

# The deployable site (esbuild: content-hashed bundles under build/site/assets/), which
# `make run`, the browser tests and the deployment serve; rebuilt when a source changes.
SITE_SOURCES := $(shell find static_site infra/site_shims -type f -not -path 'static_site/vendor/*' 2>/dev/null)
build/site/index.html: $(SITE_SOURCES) infra/build_site.mjs infra/build_site.py static_site/vendor/.built
	$(PY) -m infra.build_site
site: build/site/index.html

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml | prerequisites
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .  # the kmzb-admin command
	touch $@

node_modules/.installed: package.json package-lock.json | prerequisites
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: deps
	$(PY) -m infra.local_stack

# Create the tables in `make run`'s DynamoDB Local (make run does this itself).
tables: deps
	KMZB_DYNAMODB_ENDPOINT=$${KMZB_DYNAMODB_ENDPOINT:-http://127.0.0.1:$${KMZB_DYNAMODB_PORT:-8002}} \
	  $(PY) -m infra.tables

# Every stack's CloudFormation template (17 garrisons + national) into build/templates/,
# with the SAM transform expanded offline and checked by cfn-lint. No AWS account needed.
synth: deps
	$(PY) -m infra.stages --check
	$(PY) -m infra.templates

# checkov over the expanded templates, with infra/checkov.yaml's reasoned skip list (a step of
# `make test`, after synth). checkov pins a boto3 the functions cannot share: its own
# environment in build/checkov (about 4 minutes to install in a fresh clone).
build/checkov/.installed: requirements-checkov.txt | prerequisites
	$(PYTHON) -m venv build/checkov
	build/checkov/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

checkov: deps build/checkov/.installed
	$(PY) -m infra.checkov_scan

# Deploy one garrison's stack (or the national one) with the CDK CLI: docs/DEPLOY.md.
deploy: deps
	@test -n "$(GARRISON)" || { echo "usage: make deploy GARRISON=<slug> (docs/DEPLOY.md)"; exit 2; }
	$(PY) -m infra.deploy $(GARRISON)

deploy-national: deps
	$(PY) -m infra.deploy national

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/eslint .

typecheck: deps
	$(BIN)/mypy

unit: deps
	$(BIN)/pytest -q tests/unit

integration: deps
	$(BIN)/pytest -q tests/integration

# The browser modules' unit tests, with node's own test runner, and their JSDoc types (tsc).
jstest: deps
	node --test tests/js/
	node_modules/.bin/tsc -p tsconfig.json

# checkov runs over every expanded template that synth wrote (infra/checkov_scan.py). Its
# environment installs (mostly waiting on the network) while synth runs (CPU), then checkov.
# pytest in two processes (pytest-xdist): each starts its own engines; 9 minutes become 6 on
# two cores. TEST_WORKERS=1 for one process.
TEST_WORKERS ?= 2
test: prerequisites-test lint typecheck jstest
	$(MAKE) --no-print-directory -j2 synth build/checkov/.installed
	$(MAKE) --no-print-directory checkov
	$(BIN)/pytest -n $(TEST_WORKERS)

bench: deps
	$(PY) -m bench.run_all

# Empties the local state (.kmzb/: reports, feeds, subscriptions, tokens' keys) after asking;
# `make reset YES=1` does not ask.
reset:
	@if [ -z "$(YES)" ]; then \
	  read -r -p "Delete every local report, feed and subscription in .kmzb/? [y/N] " answer; \
	  case "$$answer" in [yYtT]*) ;; *) echo "Nothing deleted."; exit 1;; esac; \
	fi
	@if [ -e .kmzb/run.lock ] && kill -0 "$$(cat .kmzb/run.lock 2>/dev/null)" 2>/dev/null; then \
	  echo "'make run' is running (pid $$(cat .kmzb/run.lock)): stop it first."; exit 1; fi
	rm -rf .kmzb
	@echo "Local state deleted; the next 'make run' starts empty."

clean:
	rm -rf $(VENV) node_modules .kmzb .pytest_cache .mypy_cache .ruff_cache build vendor chalice.out
