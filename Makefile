# Two commands on a fresh machine with python3 (3.11+):
#   make run   create .venv, install, migrate, load the notes, create demo accounts, serve
#   make test  the whole test suite, browser tests included
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py ingest_notes
	$(BIN)/python manage.py load_questions
	$(BIN)/python manage.py load_labs
	$(BIN)/python manage.py setup_demo --url http://$(HOST):$(PORT)

# One ASGI server for the pages, the invoke hosts (HTTP) and the WebSocket stages (ws://).
# Static files come from WhiteNoise's finders (settings: WHITENOISE_USE_FINDERS; autorefresh in DEBUG).
# --ws-max-size bounds what the server buffers; the gateway's own 128 KB limit closes with 1009.
run: setup
	DJANGO_DEBUG=1 $(BIN)/uvicorn studyapp.asgi:application --host $(HOST) --port $(PORT) --ws-max-size 1048576

# The browser tests drive Debian's Chromium. As root (CI, a fresh container) it is installed here;
# otherwise the command to run is printed and the browser tests fail saying so (never a silent skip).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "The browser tests need Chromium at /usr/bin/chromium: sudo apt-get install chromium"; \
	    echo "(or run SKIP_BROWSER_TESTS=1 make test to leave them out)"; \
	  fi; \
	fi

test: $(VENV)/.dev chromium
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: $(VENV)/.dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/review.py
	$(BIN)/python bench/gateway.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
