# Two commands on a fresh machine with python3 (3.11+):
#   make run   create .venv, install, migrate, load the notes, create demo accounts, serve
#   make test  the whole test suite, browser tests included
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint bench clean

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
	$(BIN)/python manage.py ingest_notes
	$(BIN)/python manage.py load_questions
	$(BIN)/python manage.py load_labs
	$(BIN)/python manage.py setup_demo --url http://$(HOST):$(PORT)

run: setup
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/review.py
	$(BIN)/python bench/gateway.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
