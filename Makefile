# Face Gallery: `make run` starts everything, `make test` runs the whole suite.
# Both create .venv and install the pinned dependencies first (once, then only when the
# requirement files change).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
AXE := tools/axe/node_modules/axe-core/axe.min.js

.PHONY: run manage admin test typecheck lint format bench test-tools clean

run: $(VENV)/.runtime
	$(PY) -m facegallery.stack run

# While `make run` is up (in another terminal): any manage.py command against its servers,
# e.g. make manage ARGS="changepassword alice"; `make admin` creates an admin (superuser).
manage: $(VENV)/.runtime
	$(PY) -m facegallery.stack manage $(ARGS)

admin: $(VENV)/.runtime
	$(PY) -m facegallery.stack manage createsuperuser

test: $(VENV)/.dev test-tools
	$(PY) -m facegallery.stack test $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

# mypy with django-stubs over what [tool.mypy] in pyproject.toml names; `make test` runs it too.
typecheck: $(VENV)/.dev
	$(PY) -m facegallery.stack typecheck

format: $(VENV)/.dev
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

bench: $(VENV)/.dev
	$(PY) -m generator bench --json var/bench/generator.json

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# Browser tests drive Debian's Chromium (Selenium's own browser download does not work offline);
# the compose check needs a compose client (Debian's docker-compose where the v2 plugin is absent);
# the proxy test runs the deployment's nginx config with Debian's nginx (and openssl for its
# throwaway certificate) in front of gunicorn.
test-tools: $(AXE)
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver -a -x /usr/sbin/nginx \
		&& command -v openssl >/dev/null \
		&& { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; } \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver docker-compose nginx-light openssl >/dev/null; }

# axe-core for the browser tests' accessibility checks (tests/browser/axe.py): pinned in
# tools/axe/package-lock.json, installed from the npm registry (again when the lock changes).
$(AXE): tools/axe/package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq npm >/dev/null; }
	npm ci --prefix tools/axe --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
