# Two commands do all the set-up on a fresh machine:
#   make demo   installs ihub into .venv and starts it with the sandbox systems (SQLite under ./var)
#   make test   installs the test tools (and Chromium if missing) and runs the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: demo serve test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	IHUB_LOG_FORMAT=$${IHUB_LOG_FORMAT:-console} $(BIN)/ihub serve --demo

serve: $(VENV)/.runtime
	$(BIN)/ihub serve

test: $(VENV)/.dev
	scripts/ensure-chromium
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff format --check src tests migrations bench
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format src tests migrations bench
	$(BIN)/ruff check --fix src tests migrations bench

clean:
	rm -rf $(VENV) var
