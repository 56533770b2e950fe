# Two commands: `make run` serves the app on the demo workspace; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WORKSPACE ?= $(if $(CERTLIB_WORKSPACE),$(CERTLIB_WORKSPACE),workspace)
HOST ?= 127.0.0.1
PORT ?= 2718
PYTEST_ARGS ?= -n 2  # two cores; `make test PYTEST_ARGS=` runs in one process
DEMO_NOW ?= 2025-07-01T10:00:00

.PHONY: run test install workspace bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

workspace: $(STAMP)
	@test -f "$(WORKSPACE)/certlib.db" || $(VENV)/bin/certlib demo init --workspace "$(WORKSPACE)"

run: workspace
	@echo "certlib: serving the notebooks of $(WORKSPACE) on http://$(HOST):$(PORT)"
	@echo "certlib: demo clock CERTLIB_NOW=$${CERTLIB_NOW:-$(DEMO_NOW)} (the scenario's today); open http://$(HOST):$(PORT)/?file=home.py"
	CERTLIB_NOW="$${CERTLIB_NOW:-$(DEMO_NOW)}" CERTLIB_WORKSPACE="$(abspath $(WORKSPACE))" $(VENV)/bin/marimo run notebooks --host $(HOST) --port $(PORT) --headless --no-token

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/marimo check notebooks

bench: $(STAMP)
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) workspace .pytest_cache
