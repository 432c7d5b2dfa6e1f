# Collab: the few commands a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The suite runs on two pytest-xdist workers; `make test PYTEST_WORKERS=` runs it in one process.
PYTEST_WORKERS ?= -n 2 --dist loadgroup
# Every Celery queue (docs/operations.md); production may run a worker per queue.
QUEUES := scans,notify,robot-dingtalk,robot-feishu,robot-wecom,celery
STAMP := $(VENV)/.installed
# Folders the filesystem broker, media and static files live in (var/ is not in git).
VAR_DIRS := var/broker/out var/broker/processed var/broker/control var/media var/staticfiles

.PHONY: install run worker test lint format bench migrate demo messages dirs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Collab needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || \
	  { echo "Could not create $(VENV); on Debian/Ubuntu: apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) .env

# A local checkout runs in development mode, so plain `./manage.py …` works too.
# Production sets DEBUG=0 and SECRET_KEY itself (docker-compose; .env is not in the image).
.env:
	@printf '# Local development settings (see .env.example for every variable).\nDEBUG=1\n' > .env
	@echo "Created .env with DEBUG=1 for local development"

dirs:
	@mkdir -p $(VAR_DIRS)

migrate: install dirs
	DEBUG=1 $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py demo_alerts

# Site on http://127.0.0.1:$(PORT) with a Celery worker and embedded beat on the
# server-less filesystem broker. Ctrl-C (or SIGTERM to make) stops all of them; when
# one of them exits, the other is stopped too.
run: demo
	@echo "Collab: http://127.0.0.1:$(PORT)/  (admin: /admin/, API docs: /api/docs/)"
	@pids=""; \
	trap 'trap - INT TERM EXIT; kill $$pids 2>/dev/null; wait' INT TERM EXIT; \
	DEBUG=1 $(VENV)/bin/celery -A collab worker --beat -Q $(QUEUES) --loglevel=info --concurrency=2 & pids="$$pids $$!"; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT) & pids="$$pids $$!"; \
	wait -n

# A worker with embedded beat alone (e.g. next to a server started some other way).
worker: install dirs
	DEBUG=1 $(VENV)/bin/celery -A collab worker --beat -Q $(QUEUES) --loglevel=info --concurrency=2

test: install dirs
	DEBUG=1 $(VENV)/bin/pytest $(PYTEST_WORKERS) $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Quick figures on SQLite; full-size runs and the PostgreSQL alert-scan benchmark are
# described in docs/benchmarks.md.
bench: install dirs
	DEBUG=1 $(PY) benchmarks/gantt_page.py
	DEBUG=1 $(PY) benchmarks/excel_roundtrip.py --export-rows 20000 --import-rows 1000
	@echo "Alert scans need PostgreSQL: see docs/benchmarks.md (benchmarks/alert_scans.py)."
	@echo "Cockpit pages need PostgreSQL: see docs/benchmarks.md (benchmarks/cockpit_pages.py)."

# Refresh locale/en/LC_MESSAGES/django.po from the source and compile it (needs gettext).
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=static
	DEBUG=1 $(PY) manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf var db.sqlite3
