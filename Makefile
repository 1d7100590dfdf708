# The one interface to the project: `make run` and `make test` are the README's Quick start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app crm
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run install translations test test-e2e lint bench-routing extract-messages update-messages clean

# Re-install only when the package metadata changes.
$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

# Catalogs are compiled at install time; the .mo files are build output, not sources.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d crm/translations --statistics

run: install
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	@$(FLASK) demo-data --print-logins
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# bandit: security linter (bandit.yml says why each skipped check is skipped). The dependency audit
# warns and passes when the vulnerability database cannot be reached (CRM_REQUIRE_PIP_AUDIT=1: fail).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy routing
	$(BIN)/bandit -c bandit.yml -r crm routing -q
	$(BIN)/python -m crm.security.audit_deps

bench-routing: install
	$(BIN)/python benchmarks/bench_routing.py $(BENCH_ARGS)

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k pgettext:1c,2 -k lazy_pgettext:1c,2 --ignore-dirs '.* __pycache__' -o crm/translations/messages.pot --no-location --sort-output --project "Flor@Work Outreach" .

update-messages: extract-messages
	$(BIN)/pybabel update -i crm/translations/messages.pot -d crm/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
