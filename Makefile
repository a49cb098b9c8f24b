# Two commands matter: `make run` (set up, demo data, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test install install-dev migrate demo lint format check-migrations check-deploy check-schema check lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-prod: requirements/prod.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/prod.txt
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@ $(VENV)/.installed-prod

install: $(VENV)/.installed-prod ## install the runtime dependencies into .venv

install-dev: $(VENV)/.installed-dev ## install runtime and development dependencies into .venv

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate ## create the demo accounts and labs (idempotent)
	$(BIN)/python manage.py demo_data

run: demo ## set everything up and serve the site with demo data at http://127.0.0.1:8000
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev ## run the test suite (PostgreSQL when DATABASE_URL is set, else SQLite)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: install-dev ## fail when models and migrations differ
	$(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: install-dev ## Django's deployment checklist under production settings
	DJANGO_ENV=production \
	DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
	DJANGO_ALLOWED_HOSTS=assay.example.com \
	DATABASE_URL=$${DATABASE_URL:-postgres://assay@127.0.0.1:5432/assay} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

check-schema: install-dev ## generate the OpenAPI schema and fail on any warning
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml

check: lint check-migrations check-deploy check-schema ## every static check CI runs

lock: install-dev ## re-resolve requirements/*.txt from pyproject.toml
	cd requirements && ../$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
		--no-emit-find-links --no-emit-index-url -o prod.txt ../pyproject.toml
	cd requirements && ../$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
		--no-emit-find-links --no-emit-index-url --extra dev -o dev.txt ../pyproject.toml

clean: ## remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
