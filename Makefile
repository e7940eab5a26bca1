# Two set-up commands for a fresh clone: `make demo` and `make test`.
# Every target bootstraps its own virtual environment from the hashed lock files.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= var/demo

.PHONY: demo test lint typecheck bench bundle clean venv

$(BIN)/.installed-dev: requirements/dev.lock requirements/build.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/build.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

venv: $(BIN)/.installed-dev

demo: venv
	$(BIN)/autarcie demo --data-dir $(DEMO_DIR)

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src tests bench

test: venv
	bash scripts/test.sh

bench: venv
	bash scripts/bench.sh

# One archive under dist/ that installs Autarcie offline (docs/operations.md).
bundle: venv
	bash scripts/bundle.sh

clean:
	rm -rf $(VENV) var dist .pytest_cache .mypy_cache .ruff_cache test-artifacts
