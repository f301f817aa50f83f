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

.PHONY: run test audit venv clean translations translations-update screenshots

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# Interface languages (docs/i18n.md): the .po catalogues are committed, the compiled .mo files
# are built here (never committed). `make translations-update` re-extracts the strings.
MO_FILES := translations/en/LC_MESSAGES/messages.mo translations/id/LC_MESSAGES/wtforms.mo

translations/%.mo: translations/%.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

translations: $(MO_FILES)

translations-update: venv
	BIN=$(BIN) tools/update_translations.sh

run: venv translations
	$(FLASK) db upgrade
	$(FLASK) seed --demo
	@echo ""
	@echo "Cakap Desa berjalan di http://$(HOST):$(PORT)/  (Ctrl+C untuk berhenti)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# The browser tests (tests/browser) run once, in the SQLite pass: their live server always has its
# own migrated SQLite file, so a PostgreSQL pass would only repeat them.
test: venv translations
	@echo "== pytest on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== pytest on $$(echo $$TEST_DATABASE_URL | sed 's#//.*@#//#') (browser tests ran above) =="; \
		$(BIN)/python -m pytest -q --ignore=tests/browser $(PYTEST_ARGS); \
	fi

# Renew docs/screenshots/ (phone 360x740 and desktop 1280x800) from the browser tests; needs
# Debian's chromium (/usr/bin/chromium).
screenshots: venv translations
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/browser/test_screenshots.py

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
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache

# Benchmarks (docs/performance.md): gunicorn (gunicorn.conf.py) on a fresh PostgreSQL database
# `cakap_bench` with generated learners and Redis, loaded by locust, which lives in its own venv
# (.venv-bench, from the pinned bench/requirements.txt) so it never changes the app's packages.
# Figures are printed and written to bench/results/<date>.json (-exam, -capacity).
# PostgreSQL and Redis as for the tests (PGHOST/PGUSER, BENCH_REDIS_URL; see docs/performance.md).
BENCH_VENV := .venv-bench
BENCH_PY := $(BENCH_VENV)/bin/python
SIZES ?= 200,20000
SIZE ?= 20000

$(BENCH_PY):
	$(PYTHON) -m venv $(BENCH_VENV)

$(BENCH_VENV)/.installed: $(BENCH_PY) bench/requirements.txt
	$(BENCH_PY) -m pip install --disable-pip-version-check -q -r bench/requirements.txt
	touch $@

.PHONY: bench bench-exam bench-capacity
bench: venv translations $(BENCH_VENV)/.installed
	$(BENCH_PY) -m bench.run standard --sizes $(SIZES) $(BENCH_ARGS)

bench-exam: venv translations $(BENCH_VENV)/.installed
	$(BENCH_PY) -m bench.run exam --size $(SIZE) $(BENCH_ARGS)

bench-capacity: venv translations $(BENCH_VENV)/.installed
	$(BENCH_PY) -m bench.run capacity --size $(SIZE) $(BENCH_ARGS)

# The Kominfo reports alone (docs/reports.md, "Scale"): a fresh PostgreSQL database
# `cakap_bench_reports` (PGHOST/PGPORT/PGUSER), migrated and seeded, grown to each size in
# REPORT_SIZES (demodata for the first, set-based SQL for the rest); every report query timed
# through the rollup and directly; a table and bench/results/reports-<date>.json. Only the app's venv.
REPORT_SIZES ?= 20000,100000,1000000
.PHONY: bench-reports
bench-reports: venv
	$(BIN)/python -m bench.reports --sizes $(REPORT_SIZES) $(BENCH_ARGS)
