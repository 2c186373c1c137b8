# The two entry points README.md documents. Each sets up everything it needs on a fresh
# machine: a virtualenv with the package, and (through the sandbox) the Kubernetes binaries.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: deploy sandbox test lint system-deps clean-venv

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
test: $(BIN)/.installed system-deps lint
	$(BIN)/pytest

# Tools some tests run that no Python package carries: cloud-init's schema validator (for the
# Yarn fallback's user-data), and Maven + a JDK (java, javac, jar: Hadoop's MiniYARNCluster,
# Zeppelin's launcher code and server from Maven Central, Spark drivers from pyspark).
# Installed from Debian's packages when missing and we may (root); otherwise those tests say
# what is missing (and fail instead of skipping when CI=true).
system-deps:
	@command -v cloud-init >/dev/null && command -v mvn >/dev/null && command -v java >/dev/null \
	  || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
	       && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	          cloud-init maven default-jdk-headless; } \
	  || echo "note: cloud-init/maven/java missing and not installable here; some tests will skip"

lint: $(BIN)/.installed
	$(BIN)/ruff check gaia_platform tests
	$(BIN)/mypy

clean-venv:
	rm -rf $(VENV)
