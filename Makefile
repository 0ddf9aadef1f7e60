# The two commands: `make demo` and `make test`. Everything installs into .venv on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV := .tools/bin/uv
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
export DAGSTER_HOME := $(CURDIR)/.dagster_home
DBT_SOURCES := $(shell find dbt/models dbt/macros dbt/tests dbt/dbt_project.yml -type f 2>/dev/null)
MANIFEST := dbt/target/manifest.json

.PHONY: demo test ui bench run docs lint clean

demo: .venv/.installed $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m cli demo

test: .venv/.installed $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 --dist loadgroup

ui: .venv/.installed $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	.venv/bin/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

bench: .venv/.installed $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m cli.bench $(BENCH_ARGS)

# Your own data: make run LANDING=/path/to/landing
run: .venv/.installed $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m cli run $(LANDING)

# The dbt docs site: every mart's grain, key, rule and column descriptions, with the column
# types and row counts of the built warehouse (without one: the documentation alone).
DOCS_PORT ?= 8080
DOCS_TARGET := target/docs
docs: .venv/.installed $(MANIFEST)
	@cd dbt && export PODWH_DUCKDB_PATH="$(abspath $(or $(PODWH_DUCKDB_PATH),data/warehouse.duckdb))" \
	&& if [ "$${PODWH_WAREHOUSE:-duckdb}" = duckdb ] && [ ! -f "$$PODWH_DUCKDB_PATH" ]; then \
		echo "No warehouse at $$PODWH_DUCKDB_PATH: the site shows the documentation without column types and row counts (make demo, or make run LANDING=..., builds one)."; \
		../.venv/bin/dbt parse --quiet --profiles-dir . --target-path $(DOCS_TARGET) \
		&& ../.venv/bin/dbt docs generate --quiet --profiles-dir . --target-path $(DOCS_TARGET) --no-compile --empty-catalog; \
	else \
		../.venv/bin/dbt docs generate --quiet --profiles-dir . --target-path $(DOCS_TARGET); \
	fi \
	&& echo "dbt docs: http://127.0.0.1:$(DOCS_PORT) (Ctrl-C stops the server)" \
	&& ../.venv/bin/dbt docs serve --quiet --profiles-dir . --target-path $(DOCS_TARGET) --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

lint: .venv/.installed
	$(PY) -m ruff check .

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet 'uv>=0.5,<1'

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

$(MANIFEST): .venv/.installed $(DBT_SOURCES)
	cd dbt && ../.venv/bin/dbt parse --quiet --profiles-dir . --target duckdb
	touch $@

# One run at a time: DuckDB allows a single writer process (the RSS poll waits for the daily run).
$(DAGSTER_HOME)/dagster.yaml: Makefile
	mkdir -p $(DAGSTER_HOME)
	printf 'telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n' > $@

clean:
	rm -rf .venv .tools dbt/target dbt/logs data .dagster_home
