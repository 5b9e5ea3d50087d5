# Two commands set everything up on a fresh machine:
#   make demo   - virtualenv, install, migrate, seed, then web server + Huey consumer
#   make test   - install what the tests need and run the whole suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := cd example_site && ../$(BIN)/python manage.py

.PHONY: demo test lint format install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --base-url http://127.0.0.1:$(PORT)
	$(MANAGE) run_demo 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build dist *.egg-info example_site/db.sqlite3 example_site/huey.sqlite3
