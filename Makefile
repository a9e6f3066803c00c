# The two commands that matter: `make run` and `make test`. Both start from a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check lint worker migration chromium redis-server pg-client bench messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/portal migrate
	$(BIN)/portal seed-demo
	$(BIN)/portal run

chromium:
	@test -x /usr/bin/chromium || $(SUDO) apt-get install -y -q chromium || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

# The fault tests stop and start a redis-server of their own (the shared Redis stays up).
redis-server:
	@command -v redis-server >/dev/null || $(SUDO) apt-get install -y -q redis-server || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q redis-server)

# The backup tests run pg_dump and pg_restore.
pg-client:
	@command -v pg_dump >/dev/null || $(SUDO) apt-get install -y -q postgresql-client || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q postgresql-client)

check: $(VENV)/.installed-test
	$(BIN)/ruff check portal tests alembic bench scripts
	$(BIN)/ruff format --check portal tests alembic bench scripts
	$(BIN)/mypy --strict portal

test: $(VENV)/.installed-test chromium redis-server pg-client check
	$(BIN)/pytest -n 2

lint: $(VENV)/.installed-test
	$(BIN)/ruff format portal tests alembic bench scripts
	$(BIN)/ruff check --fix portal tests alembic bench scripts

worker: $(VENV)/.installed-run
	$(BIN)/portal worker

# Issue 24: the portal's pages against the bare-stack ceiling (bench/README.md); needs wrk.
bench: $(VENV)/.installed-test
	@command -v wrk >/dev/null || $(SUDO) apt-get install -y -q wrk || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q wrk)
	$(BIN)/python bench/ceiling.py

migration: $(VENV)/.installed-test
	$(BIN)/alembic revision --autogenerate -m "$(m)"

# Languages: gather every translatable string into the template catalogue and merge it into
# each language's portal/locale/<lang>/LC_MESSAGES/messages.po (new strings arrive empty,
# changed ones fuzzy: translate them and clear the flag). The portal compiles the .po files in
# memory when it starts; no .mo is built or kept. Entries are sorted and carry no line numbers
# and no dates, so two branches that add strings merge without conflicts.
messages: $(VENV)/.installed-run
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords N_plural:1,2 --sort-output --no-location --no-wrap \
		--project "Advocate Portal" --copyright-holder "Advocate Portal" \
		--msgid-bugs-address "" --output-file portal/locale/messages.pot .
	$(BIN)/pybabel update --input-file portal/locale/messages.pot --output-dir portal/locale \
		--no-wrap --ignore-obsolete --previous
	sed -i -e '/^"POT-Creation-Date: /d' -e '/^"PO-Revision-Date: /d' portal/locale/*/LC_MESSAGES/messages.po

# tests/operations/test_deploy.py checks deploy/ with the tools that run it (issue 23).
.PHONY: deploy-validators
test: deploy-validators
deploy-validators:
	@command -v systemd-analyze >/dev/null || $(SUDO) apt-get install -y -q systemd || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q systemd)
	@command -v caddy >/dev/null || $(SUDO) apt-get install -y -q caddy || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q caddy)
