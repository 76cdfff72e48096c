# complaints-report: `make help` lists the targets.
# Everything runs inside .venv, created on first use from pyproject.toml (the one place where
# versions are pinned). Only python3 (3.11+) and make are needed on the machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The reporting year; empty means the latest year held under data/raw/.
YEAR   ?=
# Notebooks `make report` runs at once, across years; empty means one per core.
JOBS   ?=
# The edition: empty or internal (the report as published, reports/YEAR/), or public
# (disclosure control; only the report's HTML, tables and charts, in reports/YEAR-public/).
EDITION ?=
# make demo: a synthetic case extract for DEMO_YEAR after the real 2022-23: inputs and clean
# tables under DEMO_DATA, reports under DEMO_REPORTS (never data/raw, data/clean, reports/<year>).
DEMO_DATA    := data/interim/demo
DEMO_REPORTS := reports/.scratch/demo
DEMO_YEAR    := 2023-24

.DEFAULT_GOAL := help
.PHONY: help setup setup-dev report demo clean-data validate test test-fast lint format docs lab clean benchmark

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  Variables: YEAR=2022-23 (default: the latest year held), JOBS=2, EDITION=public"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

setup: $(VENV)/.runtime ## Create .venv with what the pipeline needs to run
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null

setup-dev: setup $(VENV)/.dev ## Add developer tools (pytest, ruff, nbstripout, pre-commit)

report: setup ## Produce the report for YEAR (default: latest year held; several: YEAR="2022-23 2023-24" JOBS=2; EDITION=public)
	$(BIN)/complaints run $(foreach y,$(YEAR),--year $(y)) $(if $(JOBS),--jobs $(JOBS),) $(if $(EDITION),--edition $(EDITION),)

demo: setup ## Report a synthetic case extract for 2023-24 in reports/.scratch/demo/ (real years untouched)
	rm -rf $(DEMO_DATA) $(DEMO_REPORTS)
	mkdir -p $(DEMO_DATA)/raw/2022-23
	cp data/raw/2022-23/*.txt $(DEMO_DATA)/raw/2022-23/
	$(BIN)/python -m complaints.inputs.synthetic $(DEMO_DATA)/raw/$(DEMO_YEAR) $(DEMO_YEAR)
	$(BIN)/complaints run --year 2022-23 --year $(DEMO_YEAR) --reports-root $(DEMO_REPORTS) \
		-p raw_root=$(DEMO_DATA)/raw -p clean_root=$(DEMO_DATA)/clean $(if $(JOBS),--jobs $(JOBS),)
	@echo "The demo report: $(DEMO_REPORTS)/$(DEMO_YEAR)/index.html"

clean-data: setup ## Only extract YEAR's raw input into data/clean/YEAR/
	$(BIN)/complaints clean $(if $(YEAR),--year $(YEAR),)

test: setup-dev ## Set up and run every test
	$(BIN)/python -m pytest

test-fast: setup-dev ## Run the fast tier only (no notebook execution)
	$(BIN)/python -m pytest -m "not slow"

lint: setup-dev ## Check code and notebooks with ruff, and that notebooks carry no outputs
	$(BIN)/ruff check src tests notebooks
	$(BIN)/ruff format --check src tests

format: setup-dev ## Format code with ruff
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

docs: setup ## Regenerate docs/data_dictionary.md from the schema
	$(BIN)/complaints docs

lab: setup ## Install JupyterLab (analysts' extra) and open it on the notebooks
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab notebooks/

benchmark: setup ## Time cold, cached and multi-year runs and a million-row case extract (~25 min); writes docs/performance.md
	$(BIN)/python benchmarks/benchmark.py

clean: ## Remove generated data and reports (never data/raw)
	rm -rf data/clean/*/ reports/*/ reports/.cache reports/.staging reports/.scratch $(DEMO_DATA)
