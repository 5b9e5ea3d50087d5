# Two commands set everything up on a fresh machine:
#   make demo   - virtualenv, install, migrate, seed, then web server + Huey consumer
#   make test   - install what the tests need and run the whole suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := cd example_site && ../$(BIN)/python manage.py

.PHONY: messages demo test test-scaleout test-wagtail7 test-django6 smoke-django6 lint format install clean bench-throughput bench-latency bench-report bench-submit bench-drain screenshots

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

# axe-core from npm checks the widget's accessibility in the browser tests.
AXE := .cache/npm/node_modules/axe-core/axe.min.js
$(AXE):
	@if command -v npm >/dev/null; then \
		mkdir -p .cache/npm && cd .cache/npm && \
		npm install --no-audit --no-fund --silent axe-core@4; \
	else echo "npm not found: the accessibility check will be skipped"; fi

# The suite runs on its own settings and test site (tests/settings.py); the
# example site's own tests (tests/demo/) need the site's apps, so they follow
# in a second pytest run on its settings.
DEMO_TESTS := -q --ds=tests.demo.settings

test: install $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/python -m pytest $(DEMO_TESTS)
	$(BIN)/python -m tests.scaleout.run -q

# The delivery, claim and sweep tests on PostgreSQL and Redis servers of
# their own (Debian's postgresql and redis-server packages).
test-scaleout: install
	$(BIN)/python -m tests.scaleout.run -q

# The oldest Wagtail release line we support, in a virtualenv of its own.
WAGTAIL7_VENV := .venv-wagtail7
$(WAGTAIL7_VENV)/.installed: pyproject.toml setup.cfg
	$(PYTHON) -m venv $(WAGTAIL7_VENV)
	$(WAGTAIL7_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(WAGTAIL7_VENV)/bin/python -m pip install --quiet -e ".[test]" "wagtail>=7.3,<7.4"
	touch $@

test-wagtail7: $(WAGTAIL7_VENV)/.installed $(AXE)
	$(WAGTAIL7_VENV)/bin/python -m pytest -q $(PYTEST_ARGS)
	$(WAGTAIL7_VENV)/bin/python -m pytest $(DEMO_TESTS)

# Python 3.13, Django 6.0 and the newest Wagtail, whose packages Debian 12
# lacks: a Debian 13 root is built once under .cache/ (needs root for
# debootstrap, mount and chroot) and the suite runs inside it on this tree.
DJANGO6_VENV := /opt/venv-django6
test-django6: $(AXE)
	.ci/debian13 sh -c 'set -e; \
		test -x $(DJANGO6_VENV)/bin/python || python3.13 -m venv $(DJANGO6_VENV); \
		$(DJANGO6_VENV)/bin/python -m pip install --quiet --upgrade -e ".[test]" \
			"Django>=6.0,<6.1" wagtail; \
		$(DJANGO6_VENV)/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS); \
		exec $(DJANGO6_VENV)/bin/python -m pytest -p no:cacheprovider $(DEMO_TESTS)'

# A new site's way in on Django 6.0: `pip install wagtail`, then our wheel;
# the example site checks, migrates and delivers a lead to Synced.
smoke-django6:
	.ci/debian13 .ci/wheel-smoke python3.13

# Regenerate docs/screenshots/ from the browser tests.
screenshots: install
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -q -m browser

# Benchmarks print ratios against a baseline measured in the same run.
bench-throughput: install
	$(BIN)/python bench/delivery_throughput.py --stack $(or $(STACK),sqlite)

bench-latency: install
	$(BIN)/python bench/delivery_latency.py --stack $(or $(STACK),sqlite)

bench-report: install
	$(BIN)/python bench/report_scale.py

# STACK=scaleout runs these on PostgreSQL and Redis servers they start.
bench-submit: install
	$(BIN)/python bench/submit_latency.py --stack $(or $(STACK),sqlite)

bench-drain: install
	$(BIN)/python bench/backlog_drain.py --stack $(or $(STACK),sqlite)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

# Extract the app's strings into its catalogues (after changing any), then
# compile them; translate the new entries of each .po in between.
messages: install
	cd wagtail_chatbot_crm && DJANGO_SETTINGS_MODULE=tests.settings \
		PYTHONPATH=$(CURDIR):$(CURDIR)/example_site ../$(BIN)/django-admin makemessages --all --no-obsolete
	cd wagtail_chatbot_crm && ../$(BIN)/django-admin compilemessages

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(WAGTAIL7_VENV) .cache build dist *.egg-info example_site/db.sqlite3 example_site/huey.sqlite3
