# The two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
KMZB_DATA_SRC ?= ../shared/data
DATA := data

.PHONY: run test lint typecheck unit integration bench boundaries deps tables synth deploy deploy-national clean

deps: $(VENV)/.installed node_modules/.installed static_site/vendor/.built boundaries

# Leaflet for the static site, copied from npm (no CDN at run time).
static_site/vendor/.built: node_modules/.installed $(VENV)/.installed infra/build_site.py
	$(PY) -m infra.build_site
	touch $@

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .  # the kmzb-admin command
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Boundary data is not ours to commit: copy it from $(KMZB_DATA_SRC) into the git-ignored data/.
boundaries: $(DATA)/garrisons.json $(DATA)/boundaries/powiaty.geojson $(DATA)/boundaries/wojewodztwa.geojson

$(DATA)/%: | $(KMZB_DATA_SRC)
	@mkdir -p $(dir $@)
	cp $(KMZB_DATA_SRC)/$* $@

$(KMZB_DATA_SRC):
	@echo "Boundary data not found in $(KMZB_DATA_SRC) (set KMZB_DATA_SRC to its folder)."
	@echo "To produce it: download the PRG administrative boundaries (jednostki administracyjne)"
	@echo "from GUGiK (gugik.gov.pl, Państwowy Rejestr Granic), convert the powiat and voivodeship"
	@echo "layers from EPSG:2180 to WGS84 GeoJSON, e.g. with ogr2ogr -t_srs EPSG:4326, with the"
	@echo "properties teryt, name, kind (city|county) and voivodeship as in docs/ARCHITECTURE.md,"
	@echo "and write garrisons.json listing each garrison's powiats."
	@exit 1

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

# Deploy one garrison's stack (or the national one) with the CDK CLI: docs/DEPLOY.md.
deploy: deps
	@test -n "$(GARRISON)" || { echo "usage: make deploy GARRISON=<slug> (docs/DEPLOY.md)"; exit 2; }
	$(PY) -m infra.deploy $(GARRISON)

deploy-national: deps
	$(PY) -m infra.deploy national

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: deps
	$(BIN)/mypy

unit: deps
	$(BIN)/pytest -q tests/unit

integration: deps
	$(BIN)/pytest -q tests/integration

test: lint typecheck synth
	$(BIN)/pytest

bench: deps
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) node_modules $(DATA) .kmzb .pytest_cache .mypy_cache .ruff_cache build vendor chalice.out
