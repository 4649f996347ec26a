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

.PHONY: setup demo run build test lint unit-python clean test-engines test-spark

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

# pytest runs under a throwaway PostgreSQL server (scripts/with_test_postgres.sh);
# the Spark tests take minutes and run with `make test-spark`.
test: setup demo lint build
	scripts/with_test_postgres.sh $(BIN)/python -m pytest tests/python -q --ignore=tests/python/test_engine_spark.py

clean:
	rm -rf target logs $(VENV) data/demo rfm_lifecycle.duckdb

# --- Other engines and use as a package (docs/engines.md) -----------------
# The engine comparison without Spark (PostgreSQL on a throwaway server) and the package test.
test-engines: setup demo
	scripts/with_test_postgres.sh $(BIN)/python -m pytest tests/python/test_engines.py tests/python/test_package.py -q

# Spark local mode: the full dbt build and the cross-engine comparison (Java 17).
test-spark: setup demo
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest tests/python/test_engine_spark.py -q
