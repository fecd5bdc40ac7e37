# Two commands set everything up: `make run` (the product) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench install

$(BIN)/crm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/crm

install: $(BIN)/crm

run: install
	$(BIN)/crm init
	$(BIN)/crm run

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n 2 --dist loadfile

bench: install
	$(BIN)/python -m bench
