PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-server test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The TUI does not exist yet: start the demo cluster and say how to reach it.
demo: $(STAMP)
	$(BIN)/fluxstate-tui demo-server

demo-server: demo

test: $(STAMP)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .demo-data .pytest_cache
