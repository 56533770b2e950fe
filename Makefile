# Two commands: `make run` serves the apps (and a job worker) on the demo workspace; `make test` runs
# the whole suite. Both first install what they need: the system packages through tools/system-deps
# (apt-get as root, else one line saying what to install), then .venv with certlib and its extras.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WORKSPACE ?= $(if $(CERTLIB_WORKSPACE),$(CERTLIB_WORKSPACE),workspace)
HOST ?= 127.0.0.1
PORT ?= 2718
PYTEST_ARGS ?= -n 2# two cores; `make test PYTEST_ARGS=` runs in one process
DEMO_NOW ?= 2025-07-01T10:00:00
SYSTEM_DEPS := PYTHON=$(PYTHON) tools/system-deps
# What the test suite drives: Debian's chromium (browser tests), PostgreSQL's server binaries
# (a throwaway cluster), a Java runtime (a local Spark session).
TEST_NEEDS := chromium postgresql java
# `make run` needs Java only when the deployment runs rules on Spark.
RUN_NEEDS := $(if $(filter spark,$(CERTLIB_ENGINE)),java)

.PHONY: run test install workspace bench lint clean system-deps-run system-deps-test fuzz

$(PY):
	@$(SYSTEM_DEPS) venv
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): $(PY) pyproject.toml setup.py
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

system-deps-run:
	@$(SYSTEM_DEPS) $(RUN_NEEDS)

system-deps-test:
	@$(SYSTEM_DEPS) $(TEST_NEEDS)

workspace: $(STAMP)
	@test -f "$(WORKSPACE)/certlib.db" || $(VENV)/bin/certlib demo init --workspace "$(WORKSPACE)"

# The apps and a job worker beside them (queued reports and snapshots complete by themselves);
# stopping the apps (Ctrl-C) stops the worker.
run: system-deps-run workspace
	@echo "certlib: serving the notebooks of $(WORKSPACE) on http://$(HOST):$(PORT)"
	@echo "certlib: demo clock CERTLIB_NOW=$${CERTLIB_NOW:-$(DEMO_NOW)} (the scenario's today); open http://$(HOST):$(PORT)/?file=home.py"
	@export CERTLIB_NOW="$${CERTLIB_NOW:-$(DEMO_NOW)}" CERTLIB_WORKSPACE="$(abspath $(WORKSPACE))"; \
	$(VENV)/bin/certlib worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/marimo run notebooks --host $(HOST) --port $(PORT) --headless --no-token

# pytest's exit code 5 (no test collected, e.g. a PYTEST_ARGS that selects nothing) fails loudly.
test: system-deps-test $(STAMP)
	@$(PY) -m pytest -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "certlib: pytest collected no tests (PYTEST_ARGS=$(PYTEST_ARGS)): nothing was tested" >&2; fi; \
	exit $$rc

# the rule compiler's random differential fuzzer (docs/fuzzing.md); FUZZ_ARGS="--all-knobs" adds the open classes
fuzz: $(STAMP)
	$(PY) -m tests.rules.fuzz --queries 10000 $(FUZZ_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/marimo check notebooks

bench: $(STAMP)
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) workspace .pytest_cache build dist
