PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-server lint test screens install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The TUI on the demo cluster, which runs in a child process of the TUI: no Kubernetes needed.
demo: $(STAMP)
	$(BIN)/fluxstate-tui --demo

# The demo cluster alone, for kubectl and for the read-only commands.
demo-server: $(STAMP)
	$(BIN)/fluxstate-tui demo-server

# One SVG per screen into screens/, taken from the TUI on the demo cluster (shown in the README).
screens: $(STAMP)
	$(BIN)/python scripts/make_screens.py
	FLUXSTATE_SCREENS=1 $(BIN)/python -m pytest -q tests/browser/test_serve.py -k minicluster_list

# The gate: style (ruff, configured in pyproject.toml) and types (mypy over the product code).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .demo-data .pytest_cache
