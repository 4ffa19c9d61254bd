# Two commands do all set-up on a fresh machine:
#   make demo   create .venv, install, run the offline demo (configs/demo.yaml)
#   make test   create .venv, install, lint, type-check and run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck pytest system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

system-deps:
	@scripts/install-system-deps.sh

demo: $(STAMP) system-deps
	$(BIN)/run-eval

lint: $(STAMP)
	$(BIN)/ruff check evals tests benchmarks datasets
	$(BIN)/ruff format --check evals tests benchmarks datasets

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps
	$(BIN)/python -m pytest -q --durations=15

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
