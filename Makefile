# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test install lint format lock clean captures

# The virtualenv gets exactly the locked versions (requirements-dev.lock: the portal, the S3
# extra and the development tools); pyproject.toml states the direct dependencies.
$(VENV)/.installe: requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.lock
	touch $@

install: $(VENV)/.installe

# After a change of pyproject.toml: both locks again (production + S3 for the Docker image,
# everything for development and CI).
lock: install
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-trusted-host --no-emit-find-links \
	  --extra s3 --output-file requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-trusted-host --no-emit-find-links \
	  --all-extras --output-file requirements-dev.lock pyproject.toml

# ruff (rules + format), the import contracts of pyproject.toml (apps one way, no cycle) and mypy
# on the engine, the services and the selectors.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	SECRET_KEY=lint $(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Development server + Celery worker together (Procfile, run by honcho), on SQLite and the
# embedded broker unless DATABASE_URL / REDIS_URL are set. Ctrl-C or SIGTERM stops both.
run: export DEBUG ?= 1
run: export PORT := $(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Portail : http://localhost:$(PORT)/  (administration ASP : http://localhost:$(PORT)/admin/)"
	@# exec: make's SIGTERM reaches the runner itself, which stops web and worker (no shell between).
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" exec $(PY) -m segur_portal.procfile start --no-colour -f Procfile

# The whole suite (engine, screens, command line, browser). Uses DATABASE_URL / REDIS_URL
# when set (CI: Postgres and Redis), SQLite otherwise.
test: install
	$(PY) -m pytest

# Full-page screenshots of every supplier screen and state at 1280 and 375 px, with their axe-core
# violations by impact, into var/captures/ (throw-away SQLite database, in-process Celery worker).
captures: install
	$(PY) bench/captures.py

clean:
	rm -rf $(VENV) var staticfiles
