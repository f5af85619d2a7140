# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test install migrate demo worker web clean

$(VENV)/.installe: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installe

# Development server + Celery worker together, on SQLite and the embedded broker unless
# DATABASE_URL / REDIS_URL are set. Ctrl-C stops both.
run: export DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Portail : http://localhost:$(PORT)/  (administration ASP : http://localhost:$(PORT)/admin/)"
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A segur_portal worker --loglevel=INFO --concurrency=2 & \
	$(PY) manage.py runserver 0.0.0.0:$(PORT)

# The whole suite (engine, screens, command line, browser). Uses DATABASE_URL / REDIS_URL
# when set (CI: Postgres and Redis), SQLite otherwise.
test: install
	$(PY) -m pytest

clean:
	rm -rf $(VENV) var staticfiles
