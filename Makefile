# The two entry points README.md documents. Each sets up everything it needs on a fresh
# machine: a virtualenv with the package, and (through the sandbox) the Kubernetes binaries.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: deploy sandbox test test-fast lint system-deps clean-venv

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

# The whole test suite (lint, types and layers first: they are cheap and catch most slips).
test: $(BIN)/.installed system-deps lint
	$(BIN)/pytest

# The tests that need no sandbox, JVM, Spark or helm (seconds, not minutes): pure decisions
# from recorded cloud answers, rendering, profile checks. tests/conftest.py marks the rest slow.
test-fast: $(BIN)/.installed lint
	$(BIN)/pytest -m "not slow"

# Tools some tests run that no Python package carries: cloud-init's schema validator (for the
# Yarn fallback's user-data), Maven + a JDK (java, javac, jar: Hadoop's MiniYARNCluster,
# Zeppelin's launcher code and server from Maven Central, Spark drivers from pyspark), setpriv
# (util-linux: the chart's start script run as the pod's user). Installed from Debian's
# packages when missing and we may (root). Elsewhere those tests skip and say what to install;
# under CI (CI=true) a tool that could not be installed fails the run here, and the tests
# needing it fail too.
SYSTEM_TOOLS := cloud-init mvn java javac jar setpriv
SYSTEM_PACKAGES := cloud-init maven default-jdk-headless util-linux
system-deps:
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends $(SYSTEM_PACKAGES) || exit 1; \
	  elif [ -n "$$CI" ]; then \
	    echo "error: missing$$missing and not root, so cannot install $(SYSTEM_PACKAGES)"; exit 1; \
	  else \
	    echo "note: missing$$missing (install $(SYSTEM_PACKAGES)); the tests needing them skip"; \
	  fi; \
	fi

lint: $(BIN)/.installed
	$(BIN)/ruff check gaia_platform tests
	$(BIN)/mypy
	$(BIN)/lint-imports

clean-venv:
	rm -rf $(VENV)
