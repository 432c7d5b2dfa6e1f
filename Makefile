# Collab: the few commands a newcomer needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run worker test lint format bench migrate demo clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

var:
	mkdir -p var/broker/out var/broker/processed var/media

migrate: install var
	DEBUG=1 $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(PY) manage.py load_demo

# Site on http://127.0.0.1:$(PORT) with a Celery worker and embedded beat on the
# server-less filesystem broker; Ctrl-C stops all of them.
run: demo
	@echo "Collab: http://127.0.0.1:$(PORT)/  (admin: /admin/, API docs: /api/docs/)"
	@trap 'kill 0' INT TERM EXIT; \
	DEBUG=1 $(VENV)/bin/celery -A collab worker --beat --loglevel=info --concurrency=2 & \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install var
	DEBUG=1 $(VENV)/bin/pytest $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install var
	DEBUG=1 $(PY) benchmarks/run_all.py

clean:
	rm -rf var db.sqlite3
