# Two entry points: `make run` (set up, load demo content, serve) and `make test`.
SHELL := /bin/bash
VENV := .venv/bin
export FLASK_APP := app.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup run test test-sqlite test-postgres lint static bench bench-community bench-programme translations

setup:
	@scripts/setup.sh

# One foreground command: the worker (Huey consumer: grading, refits) runs beside gunicorn; Ctrl-C stops both.
# --cohort loads the living demo on the first run only (lms/demo/cohort.py; a marker row says it is loaded).
run: setup
	@$(VENV)/flask platform init --cohort
	@$(VENV)/flask worker run & worker=$$!; \
	  trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT; \
	  $(VENV)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - "app:app"

# Static checks first (seconds; fail early): lint, format, types (mypy: grading/, certificates/,
# lms/*/services.py; settings in pyproject.toml), import contracts (import-linter, printed only when one breaks).
static: setup
	@$(VENV)/ruff check --quiet . && $(VENV)/ruff format --check --quiet .
	@$(VENV)/mypy
	@$(VENV)/lint-imports --no-logo >.make/lint-imports.log 2>&1 || { cat .make/lint-imports.log; exit 1; }

# TEST_POSTGRES=1 (CI: .ci/run) runs again, on a throwaway PostgreSQL, only the tests that use the test
# database: tests/conftest.py marks `no_db` every test whose fixtures never reach `database_url` (under
# app, client, runner, make_app), and -m "not no_db" leaves those out, so DB-free suites (parsers,
# notebook checks, config, BKT maths...) run once. e2e, grading and certificates are DB-free too; the
# --ignore spares only their collection (playwright, nbgrader imports), the marker would drop them anyway.
# Both passes run in TEST_WORKERS processes (pytest-xdist, one test file per process at a time, so a
# file's module fixtures such as the live server and the browser start once): each process has its own
# temporary directory, SQLite file or throwaway PostgreSQL server, and live server port.
TEST_WORKERS ?= 2
test: static
	@$(VENV)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile tests
	@if [ "$${TEST_POSTGRES:-0}" = "1" ]; then \
	  echo "== again against PostgreSQL (tests that use the test database) =="; \
	  ACADEMY_TEST_DB=postgres $(VENV)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile tests -m "not no_db" --ignore=tests/e2e \
	    --ignore=tests/grading --ignore=tests/certificates; \
	fi

lint: static

bench: setup
	@$(VENV)/python bench/web.py

# Issue 17: 100,000 posts in 10,000 threads; thread list, 200-post thread and search through gunicorn.
bench-community: setup
	@$(VENV)/python bench/community.py

# Issue 18: 100,000 developers, 5 M events; the programme dashboard through gunicorn, each figure's read
# model beside one bare SQL statement, the exports beside their anchors. ARGS="--postgres" for PostgreSQL.
bench-programme: setup
	@$(VENV)/python bench/programme.py $(ARGS)

translations: setup
	@$(VENV)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot lms
	@$(VENV)/pybabel update -i lms/translations/messages.pot -d lms/translations
