# The two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
KMZB_DATA_SRC ?= ../shared/data
DATA := data

.PHONY: run test lint typecheck unit integration bench boundaries deps tables package clean

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

# The SAM template and zip of a stage, with the stream trigger's failure handling
# (partial batch failures, bounded retries, bisection, SQS on-failure destination) merged in.
STAGE ?= local
package: deps
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-central-1} $(BIN)/chalice package --stage $(STAGE) \
	  --merge-template infra/stream_event_source.json build/package/$(STAGE)

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: deps
	$(BIN)/mypy

unit: deps
	$(BIN)/pytest -q tests/unit

integration: deps
	$(BIN)/pytest -q tests/integration

test: lint typecheck
	$(BIN)/pytest

bench: deps
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) node_modules $(DATA) .kmzb .pytest_cache .mypy_cache .ruff_cache
