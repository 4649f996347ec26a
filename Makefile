# rfm_lifecycle: `make run` builds the demo, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
export RFM_DUCKDB_PATH ?= $(CURDIR)/rfm_lifecycle.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
DEMO_ORDERS := data/demo/orders.csv
DEMO_CUSTOMERS := data/demo/customers.csv

.PHONY: setup demo run build test lint unit-python clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

demo: $(DEMO_ORDERS)

$(DEMO_ORDERS): scripts/generate_orders.py | setup
	$(BIN)/python scripts/generate_orders.py --out $(DEMO_ORDERS) --customers-out $(DEMO_CUSTOMERS)

build: setup demo
	$(BIN)/dbt build --quiet --warn-error-options '{"error": ["NoNodesForSelectionCriteria"]}'

run: build
	$(BIN)/python scripts/print_segment_summary.py

lint: setup demo
	$(BIN)/sqlfluff lint models tests analyses

test: setup demo lint build
	$(BIN)/python -m pytest tests/python -q

clean:
	rm -rf target logs $(VENV) data/demo rfm_lifecycle.duckdb

# --- Exports for CRM and mailing tools (docs/exports.md) ---------------------
EXPORT_FOLDER ?= data/exports

.PHONY: export
export: setup demo
	mkdir -p "$(EXPORT_FOLDER)"
	$(BIN)/dbt build --quiet --select +tag:export --indirect-selection cautious --vars '{export_folder: "$(EXPORT_FOLDER)"}'
	@echo "Export files written to $(EXPORT_FOLDER) (list: $(EXPORT_FOLDER)/manifest.csv)"
