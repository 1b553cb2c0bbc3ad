# propdesk — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PROPDESK_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test lint bench venv migrate seed clean browsers messages

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

migrate: venv
	@mkdir -p $(PROPDESK_VAR_DIR)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

seed: migrate
	$(PY) manage.py seed_demo

# Web app on http://127.0.0.1:8000 plus the Celery worker with its beat scheduler;
# on the default set-up the broker is a local SQLite file (no server needed).
run: seed
	@$(PY) manage.py demo_logins
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A propdesk worker -B --loglevel=WARNING --concurrency=1 --pool=solo & \
	$(PY) manage.py runserver 127.0.0.1:8000

lint: venv
	$(VENV)/bin/ruff check .

browsers:
	@bash scripts/ensure-chromium

test: venv browsers
	@mkdir -p $(PROPDESK_VAR_DIR)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -q -n 2

# Refresh the English catalogue after adding strings; translate the new entries in
# propdesk/locale/en/LC_MESSAGES/django.po, then run it again to compile.
messages: venv
	$(PY) manage.py makemessages -l en -i .venv -i var -i bench -i tests -i '*/tests/*' --no-obsolete
	$(PY) manage.py compilemessages -l en -i .venv -i var -i bench

bench: venv
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var
