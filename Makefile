# The two entry points README.md documents. Each sets up everything it needs on a fresh
# machine: a virtualenv with the package, and (through the sandbox) the Kubernetes binaries.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: deploy sandbox test lint clean-venv

$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The main job on the local sandbox: starts the sandbox (building the control plane the first
# time), then deploys the whole service onto it.
deploy: $(BIN)/.installed
	$(BIN)/platform deploy --cloud sandbox

sandbox: $(BIN)/.installed
	$(BIN)/platform sandbox up

# The whole test suite (lint and types first: they are cheap and catch most slips).
test: $(BIN)/.installed lint
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check gaia_platform tests
	$(BIN)/mypy

clean-venv:
	rm -rf $(VENV)
