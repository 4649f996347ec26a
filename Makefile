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

.PHONY: setup demo run build test lint unit-python clean test-engines test-spark test-engines-large browser-deps java-deps

setup: $(VENV)/.installed

# --no-compile: Python compiles a module when it is first imported; most of the installed
# files (pyspark, plotly, dagster) never are, and compiling them all took about 17 s.
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
	touch $@

demo: $(DEMO_ORDERS)

$(DEMO_ORDERS): scripts/generate_orders.py | setup
	$(BIN)/python scripts/generate_orders.py --out $(DEMO_ORDERS) --customers-out $(DEMO_CUSTOMERS)

build: setup demo
	$(BIN)/dbt build --quiet --warn-error-options '{"error": ["NoNodesForSelectionCriteria"]}'

run: build
	$(BIN)/python scripts/print_segment_summary.py

# Every core: the dbt templater renders file by file, so two processes halve it on two cores.
# Its own target folder and DuckDB file (the dbt templater parses the project and opens the
# database), so it can run beside a dbt build: `make test` runs the two at once.
lint: setup demo
	mkdir -p target/lint
	DBT_TARGET_PATH=target/lint RFM_DUCKDB_PATH=$(CURDIR)/target/lint/lint.duckdb \
		$(BIN)/sqlfluff lint --processes 0 models tests analyses

# pytest runs under a throwaway PostgreSQL server (scripts/with_test_postgres.sh)
# and builds on Spark local mode too (tests/python/test_engines.py; Java 17).
# Debian packages the tests drive: chromium for the dashboard's browser test,
# Java 17 for Spark (PostgreSQL is installed by scripts/with_test_postgres.sh).
browser-deps:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
		if [ "$$(id -u)" -ne 0 ]; then echo "The browser test needs: apt-get install chromium chromium-driver" >&2; exit 1; fi; \
		echo "Installing chromium and chromium-driver (Debian)..." >&2; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# Three workers (pytest-xdist) on two cores, one test file per worker at a time: a file's
# tests share their module fixtures. A test waits part of its time for PostgreSQL, a child
# process or a server; the third worker fills those waits (pytest 828 s with two, 797 s
# with three, 2026-12-07). Files start longest first, in the order tests/python/conftest.py
# gives (--no-loadscope-reorder: xdist would otherwise order them by their number of tests,
# which started the one-test oracle last). TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 3
# The lint and the demo build at once: the build keeps one core busy, the lint both
# (92 s one after the other, 72 s side by side).
test: setup demo browser-deps java-deps
	$(MAKE) --no-print-directory -j2 --output-sync=target lint build
	$(SPARK_ENV) scripts/with_test_postgres.sh $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile \
		--no-loadscope-reorder tests/python

clean:
	rm -rf target logs $(VENV) data/demo rfm_lifecycle.duckdb

# Many more generated order sets for the oracle test than `make test` runs, drawn fresh each time.
.PHONY: test-oracle-deep
test-oracle-deep: setup demo
	RFM_ORACLE_EXAMPLES=200 RFM_ORACLE_RANDOM=1 $(BIN)/python -m pytest tests/python/test_oracle_properties.py -q

# --- Exports for CRM and mailing tools (docs/exports.md) ---------------------
EXPORT_FOLDER ?= data/exports

.PHONY: export
export: setup demo
	mkdir -p "$(EXPORT_FOLDER)"
	$(BIN)/dbt build --quiet --select +tag:export --indirect-selection cautious --vars '{export_folder: "$(EXPORT_FOLDER)"}'
	@echo "Export files written to $(EXPORT_FOLDER) (list: $(EXPORT_FOLDER)/manifest.csv)"

# --- Dashboard, docs site, freshness, daily run (issue 6) --------------------
# The dashboard listens on 127.0.0.1 only; change the port with DASHBOARD_PORT.
DASHBOARD_PORT ?= 8501
# Day a `make daily` run scores: yesterday (UTC, resolved by dbt when the run starts) unless
# given, e.g. AS_OF_DATE=2025-06-30. The same --vars on every step and every day keep dbt's
# partial parse (target/partial_parse.msgpack): a changed --vars re-parses the whole project.
AS_OF_DATE ?= yesterday
DAILY_VARS = --vars '{as_of_date: "$(AS_OF_DATE)"}'

.PHONY: dashboard api docs freshness daily

dashboard: setup
	@test -f "$(RFM_DUCKDB_PATH)" || $(MAKE) build
	$(BIN)/streamlit run dashboard/app.py --server.address 127.0.0.1 --server.port $(DASHBOARD_PORT) \
		--server.headless true --browser.gatherUsageStats false

# The read-only HTTP API (docs/api.md): 127.0.0.1 only, port API_PORT; needs RFM_API_TOKEN
# (or RFM_API_AUTH=off for development on this machine). Reads the latest published snapshot
# beside the database when there is one, else the database itself (RFM_API_DATABASE overrides).
API_PORT ?= 8000
api: setup
	@test -n "$$RFM_API_DATABASE" || test -f "$(RFM_DUCKDB_PATH)" || $(MAKE) build
	API_HOST=127.0.0.1 API_PORT=$(API_PORT) $(BIN)/python -m api

docs: setup demo
	@test -f "$(RFM_DUCKDB_PATH)" || $(MAKE) build
	$(BIN)/dbt docs generate --static --quiet
	@echo "Docs site (one file, open it in a browser): $(CURDIR)/target/static_index.html"

freshness: setup demo
	$(BIN)/dbt source freshness

daily: setup
	$(BIN)/dbt source freshness $(DAILY_VARS)
	$(BIN)/dbt build --quiet $(DAILY_VARS)
	$(BIN)/dbt docs generate --static --quiet $(DAILY_VARS)

# --- Other engines and use as a package (docs/engines.md) -----------------
# Spark 3.5 needs Java 17: Debian's (JAVA_HOME points at it) when installed,
# whatever the default `java` is; otherwise `java` itself must be 17. Spark
# binds to the loopback address, so a machine without a resolvable host name
# works. (`=`, not `:=`: read after java-deps may have installed it.)
JAVA17_HOME = $(firstword $(wildcard /usr/lib/jvm/java-17-openjdk-*))
SPARK_ENV = SPARK_LOCAL_IP=127.0.0.1 $(if $(JAVA17_HOME),JAVA_HOME=$(JAVA17_HOME))

java-deps:
	@[ -n "$(JAVA17_HOME)" ] || java -version 2>&1 | grep -q 'version "17\.' || { \
		if [ "$$(id -u)" -ne 0 ]; then echo "The Spark tests need Java 17: apt-get install openjdk-17-jre-headless" >&2; exit 1; fi; \
		echo "Installing openjdk-17-jre-headless (Debian)..." >&2; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; }

# Shortcuts; `make test` runs both. The engine comparison (DuckDB, PostgreSQL
# on a throwaway server, Spark local mode) and the package test:
test-engines: setup demo java-deps
	$(SPARK_ENV) scripts/with_test_postgres.sh $(BIN)/python -m pytest tests/python/test_engines.py tests/python/test_package.py -q

# The full dbt build on Spark, data and unit tests (`make test` leaves Spark's unit tests out:
# they run on DuckDB and PostgreSQL there), and the three-way comparison it is part of.
test-spark: setup demo java-deps
	RFM_SPARK_UNIT_TESTS=1 $(SPARK_ENV) scripts/with_test_postgres.sh $(BIN)/python -m pytest tests/python/test_engines.py -q

# Money to the cent on every engine at scale (issue 18): DuckDB, PostgreSQL and Spark on
# ENGINES_LARGE_ORDERS generated orders, every mart, zero differing values (compared as digests).
# `make test` runs the same file on 100,000 orders, DuckDB and PostgreSQL, the money marts only.
# Spark's driver gets 8 GB here (the profile's default is 2 GB): the 1M build passed with 8 GB,
# while with 2 GB a task failed in segment_history (2026-12-06).
ENGINES_LARGE_ORDERS ?= 1000000
ENGINES_LARGE ?= duckdb,postgres,spark
test-engines-large: setup java-deps
	RFM_ENGINE_ORDERS=$(ENGINES_LARGE_ORDERS) RFM_ENGINE_ENGINES=$(ENGINES_LARGE) RFM_ENGINE_MARTS=all \
		RFM_SPARK_DRIVER_MEMORY=$${RFM_SPARK_DRIVER_MEMORY:-8g} \
		$(SPARK_ENV) scripts/with_test_postgres.sh $(BIN)/python -m pytest tests/python/test_engines_generated.py -q

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

# --- Benchmark (docs/benchmark.md; not part of make test) --------------------
# Sizes in orders, one run each: BENCH_ORDERS="1000000 10000000". Data, databases
# and results (results_<N>.json, results.md) go to target/bench/. Extra options
# of scripts/benchmark.py in BENCH_ARGS, e.g. BENCH_ARGS="--skip pandas --no-verify".
BENCH_ORDERS ?= 10000000
BENCH_ARGS ?=

.PHONY: bench bench-api bench-spark
bench: setup
	$(BIN)/python scripts/benchmark.py --orders $(BENCH_ORDERS) $(BENCH_ARGS)
	$(MAKE) bench-spark
	$(MAKE) bench-api

# The core build on Spark local mode beside DuckDB, size after size (issue 18; docs/benchmark.md):
# wall time, peak memory, and per model on Spark the tasks of its largest stage. Sizes smallest
# first; the generated orders are shared with the bench above (target/bench/source_<N>.parquet).
SPARK_BENCH_ORDERS ?= 1000000 10000000
SPARK_BENCH_DRIVER_MEMORY ?= 12g
bench-spark: setup java-deps
	$(SPARK_ENV) $(BIN)/python scripts/bench_spark.py --orders $(SPARK_BENCH_ORDERS) \
		--driver-memory $(SPARK_BENCH_DRIVER_MEMORY)

# How good is return_probability (docs/return_probability.md)? Simulated BG/NBD
# customers and the demo, split at a date: the SQL return curves vs a textbook
# BG/NBD fit vs the truth. Results in target/bench/btyd.md and btyd.json. Extra
# options of scripts/bench_btyd.py in BTYD_BENCH_ARGS, e.g. "--orders 200000" or
# "--lifetimes-python /path/to/venv/bin/python" (a cross-check with lifetimes).
BTYD_BENCH_ARGS ?=

.PHONY: bench-btyd
bench-btyd: setup demo
	$(BIN)/python scripts/bench_btyd.py $(BTYD_BENCH_ARGS)

# The read-only API under load while `dbt build` runs back to back (docs/benchmark.md):
# API_LOAD_CLIENTS concurrent clients for API_LOAD_SECONDS on the demo.
API_LOAD_CLIENTS ?= 16
# 90 s: a demo rebuild takes 44 s (AMD host) to 70 s (Intel host) under the load, so one or two
# new runs are published while the clients read, and the table shows the switch (at 30 s none finished).
API_LOAD_SECONDS ?= 90
bench-api: setup demo
	$(BIN)/python scripts/bench_api.py --clients $(API_LOAD_CLIENTS) --seconds $(API_LOAD_SECONDS)
