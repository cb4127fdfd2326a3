# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
# `make test-services` targets these; a second checkout on the same machine can point
# them at its own database and Redis db so that two runs never share a test database.
SERVICES_DATABASE_URL ?= postgres://root@127.0.0.1:5432/test
SERVICES_BROKER_URL ?= redis://127.0.0.1:6379/0
# The read-replica tests point a `replica` alias here; in tests it mirrors the test database.
SERVICES_REPLICA_URL ?= postgres://root@127.0.0.1:5432/test_replica

.PHONY: run test test-services lint check migrate demo screenshots bench bench-smoke clean messages

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# SQLite, tasks run in-process: nothing but Python needed.
run: $(STAMP)
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py load_demo
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite on SQLite with eager tasks.
test: $(STAMP)
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) -m pytest -m "not services" $(PYTEST_ARGS)

# The same suite on PostgreSQL and Redis, plus the tests that need a real Celery worker;
# then the read-replica router with a replica configured (its own run: the alias exists
# only when REPLICA_DATABASE_URL is set).
test-services: $(STAMP)
	DATABASE_URL=$(SERVICES_DATABASE_URL) CELERY_BROKER_URL=$(SERVICES_BROKER_URL) \
		$(PY) -m pytest $(PYTEST_ARGS)
	DATABASE_URL=$(SERVICES_DATABASE_URL) CELERY_BROKER_URL=$(SERVICES_BROKER_URL) \
		REPLICA_DATABASE_URL=$(SERVICES_REPLICA_URL) $(PY) -m pytest tests/services/test_replica.py

lint: $(STAMP)
	$(PY) -m ruff check .
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py makemigrations --check --dry-run

check: lint test

# Refresh the Japanese catalogue after adding strings; then fill the new msgstr lines in
# locale/ja/LC_MESSAGES/django.po (the one source of translations) and run it again.
messages: $(STAMP)
	$(PY) manage.py makemessages -l ja --ignore=.venv --ignore=bench --ignore=tests --ignore=locale
	$(PY) manage.py compilemessages -l ja --ignore=.venv --ignore=bench

demo: $(STAMP)
	$(PY) manage.py load_demo

# Screenshots of the main pages (Debian chromium) into docs/screenshots/.
screenshots: $(STAMP)
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) tools/screenshots.py

# Benchmarks (bench/README.md) on PostgreSQL and Redis: databases named $(BENCH_DB_PREFIX)_*,
# HTTP servers on BENCH_PORT in turn. `make bench` runs the issue's sizes (15-18 minutes on
# the ninth machine; bench/README.md);
# BENCH_RECORD=label also writes bench/results/. bench-smoke: tiny sizes, for CI.
BENCH_DB_PREFIX ?= bench
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/0
BENCH_PORT ?= 8790
BENCH_ENV = BENCH_DB_PREFIX=$(BENCH_DB_PREFIX) BENCH_BROKER_URL=$(BENCH_BROKER_URL) BENCH_PORT=$(BENCH_PORT)

bench: $(STAMP)
	bench/peer/setup.sh
	$(BENCH_ENV) $(PY) bench/run.py $(if $(BENCH_RECORD),--record $(BENCH_RECORD))

bench-smoke: $(STAMP)
	bench/peer/setup.sh
	BENCH_SMOKE=1 BENCH_FRESH=1 $(BENCH_ENV) $(PY) bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles bench/.peer-venv bench/out
