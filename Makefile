# Cakap Desa: two commands do all set-up on a fresh machine with Python 3.11.
#   make run   create .venv, install, migrate, seed the curriculum and demo accounts, serve
#   make test  create .venv, install, run the whole suite (SQLite; PostgreSQL too when
#              TEST_DATABASE_URL names a PostgreSQL database)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app lms
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test audit venv clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	$(FLASK) db upgrade
	$(FLASK) seed --demo
	@echo ""
	@echo "Cakap Desa berjalan di http://$(HOST):$(PORT)/  (Ctrl+C untuk berhenti)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: venv
	@echo "== pytest on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== pytest on $$(echo $$TEST_DATABASE_URL | sed 's#//.*@#//#') =="; \
		$(BIN)/python -m pytest -q $(PYTEST_ARGS); \
	fi

# Supply chain: bandit on our code (fails on any medium or high finding; low ones are listed in
# SECURITY.md with their reasons) and pip-audit on the pinned requirements. pip-audit needs a
# vulnerability service (PyPI's JSON API or OSV); when none answers, it says so and the audit
# of dependencies is reported as not done rather than passed.
audit: venv
	$(BIN)/bandit -q -r lms -ll
	@if $(BIN)/pip-audit --strict -r requirements.txt --progress-spinner off > .pip-audit.log 2>&1; then \
		cat .pip-audit.log; \
	elif grep -q "could not be audited" .pip-audit.log; then \
		echo "pip-audit: NOT AUDITED - no vulnerability service reachable from this machine (see SECURITY.md)"; \
	else \
		cat .pip-audit.log; exit 1; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache
