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

# Lifecycle over time (docs/lifecycle_over_time.md) -------------------------
.PHONY: calibrate bench-history
HISTORY_BENCH_ORDERS ?= 2000000

# The threshold calibration queries of analyses/, on the built demo database.
calibrate: build
	$(BIN)/dbt show --quiet --select gap_distribution_by_tier --limit 100
	$(BIN)/dbt show --quiet --select repeat_purchase_curve_vs_threshold --limit 200
	$(BIN)/dbt show --quiet --select threshold_sensitivity --limit 200

# Build time of the history models against the core models (not part of make test).
bench-history: setup
	$(BIN)/python scripts/generate_orders.py --orders $(HISTORY_BENCH_ORDERS) --clean \
		--out target/bench/orders_$(HISTORY_BENCH_ORDERS).parquet
	$(BIN)/python scripts/measure_history_build.py --orders-path target/bench/orders_$(HISTORY_BENCH_ORDERS).parquet
