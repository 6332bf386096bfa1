# Alignment Edge - every target sets up the virtual environment it needs.
# `make help` lists the targets.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ORG    ?= datasets/sample
OUT    ?= reports/sample

.DEFAULT_GOAL := help
.PHONY: help install run check test test-fast lint sample exercises solutions slides lab bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned environment

run: $(STAMP) ## Run the whole curriculum on the sample org into reports/sample/ (HTML included)
	$(BIN)/alignment-edge run $(ORG) --out $(OUT) --html

check: $(STAMP) ## Validate an org's data: make check ORG=path/to/org
	$(BIN)/alignment-edge check $(ORG)

test: $(STAMP) ## Run all tests: unit, notebooks (papermill), solutions (nbval), exercises
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:randomly solutions

test-fast: $(STAMP) ## Unit tests only (no notebook execution)
	$(BIN)/python -m pytest -m "not notebook" tests

lint: $(STAMP) ## Ruff on helpers, tests and notebooks
	$(BIN)/ruff check helpers tests notebooks solutions benchmarks

sample: $(STAMP) ## Regenerate datasets/sample from helpers.synth (seeded, reproducible)
	$(BIN)/alignment-edge sample --out datasets/sample

exercises: $(STAMP) ## Regenerate exercises/ from solutions/
	$(BIN)/alignment-edge exercises

solutions: $(STAMP) ## Re-execute the solutions top to bottom, storing outputs (for nbval)
	$(BIN)/python -m helpers.workshop execute-solutions

slides: $(STAMP) ## Debrief slides (reveal.js) from the solutions into reports/slides/
	$(BIN)/python -m helpers.workshop slides

lab: $(STAMP) ## Open JupyterLab on the workshop material
	$(BIN)/jupyter lab --notebook-dir=.

bench: $(STAMP) ## Benchmarks (sample, 100k, 1M, 75k exports; medians of 3 runs): prints the table, writes benchmarks/results.md
	$(BIN)/python benchmarks/run_benchmarks.py --reuse

clean: ## Remove the virtual environment and reports
	rm -rf $(VENV) reports
