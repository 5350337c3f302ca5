# Two commands on a fresh machine: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := run

.PHONY: run test bench loadtest screenshots lint format venv clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is nodig ($(PYTHON) niet gevonden)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp-dev

# DEMO=0 starts an empty install (no demo data): create the platform Admin with
# `.venv/bin/flask fab create-admin` and follow docs/aan-de-slag.md.
run: venv
	mkdir -p instance
	$(BIN)/flask db upgrade
	@if [ "$${DEMO:-1}" = "0" ]; then \
		echo "DEMO=0: geen demogegevens geladen."; \
	else \
		$(BIN)/flask demo load; \
	fi
	# Gunicorn (gunicorn.conf.py); the workers share the scheduler lease. A development
	# secret, so the Ockto sandbox journey works out of the box.
	SCHEDULER_IN_WEB=1 OCKTO_HMAC_SECRET=$${OCKTO_HMAC_SECRET:-dev-ockto-secret} \
		$(BIN)/gunicorn --config gunicorn.conf.py run:app

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole suite on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL at the same
# time: two processes, as the suite waits on its servers and subprocesses about as much as
# it computes (one after the other took 31 minutes). SQLite's report follows PostgreSQL's.
test: lint
	@if [ -z "$$TEST_DATABASE_URL" ]; then \
		echo "TEST_DATABASE_URL not set: SQLite only (.ci/run also runs PostgreSQL)."; \
		$(BIN)/pytest; \
	else \
		log=$$(mktemp); \
		echo "== SQLite and PostgreSQL side by side; SQLite's report follows =="; \
		TEST_DATABASE_URL= $(BIN)/pytest > $$log 2>&1 & lite=$$!; \
		$(BIN)/pytest; pg=$$?; \
		wait $$lite; sqlite=$$?; \
		echo "== SQLite =="; cat $$log; rm -f $$log; \
		echo "PostgreSQL: exit $$pg; SQLite: exit $$sqlite"; \
		[ $$pg -eq 0 ] && [ $$sqlite -eq 0 ]; \
	fi

# Every figure of issues 12 and 25 (BENCH_CASES, default 100000): screens, jobs, imports (CSV
# and XLSX, at most 200,000 rows), exports, advice, PDF letters -> bench/RESULTS.md. On
# SQLite each script has a temporary database of its own. With BENCH_DATABASE_URL (emptied
# first unless BENCH_REUSE=1) the screens bench generates the cases, every screen's query
# plans are written (bench/plans/), and the jobs, export and import benches measure beside
# those cases in the same database (the advice and PDF benches empty it for their own).
bench: venv
	$(BIN)/python bench/screens_bench.py $${BENCH_CASES:-100000} --out=bench/RESULTS.md
	@if [ -n "$$BENCH_DATABASE_URL" ]; then \
		BENCH_REUSE=1 $(BIN)/python bench/plans.py --out=bench/plans; \
	fi
	@reuse=$${BENCH_REUSE:-0}; [ -n "$$BENCH_DATABASE_URL" ] && reuse=1; \
	rows=$${BENCH_CASES:-100000}; [ $$rows -gt 200000 ] && rows=200000; \
	BENCH_REUSE=$$reuse $(BIN)/python bench/jobs_bench.py $${BENCH_CASES:-100000} --append=bench/RESULTS.md && \
	BENCH_REUSE=$$reuse $(BIN)/python bench/export_bench.py $${BENCH_CASES:-100000} --append=bench/RESULTS.md && \
	BENCH_REUSE=$$reuse $(BIN)/python bench/import_bench.py $$rows csv --append=bench/RESULTS.md && \
	BENCH_REUSE=$$reuse $(BIN)/python bench/import_bench.py $$rows xlsx --append=bench/RESULTS.md
	$(BIN)/python bench/advice_bench.py 10000 --append=bench/RESULTS.md
	$(BIN)/python bench/pdf_bench.py 60 --append=bench/RESULTS.md

# A working day compressed into LOAD_MINUTES (10) on two gunicorn instances sharing one
# PostgreSQL (LOAD_DATABASE_URL, or one of its own from Debian's postgresql), driven by
# Locust in a venv of its own -> bench/LOAD.md. See bench/loadtest.py.
.venv-load/.stamp: requirements-load.txt
	$(PYTHON) -m venv .venv-load
	.venv-load/bin/pip install --quiet --disable-pip-version-check -r requirements-load.txt
	touch $@

loadtest: venv .venv-load/.stamp
	$(BIN)/python bench/loadtest.py

# The guides' screenshots (docs/img), made by the browser tests; needs Debian's chromium.
screenshots: venv
	E2E_SCREENSHOTS=docs/img TEST_DATABASE_URL= $(BIN)/pytest tests/e2e

clean:
	rm -rf $(VENV) .venv-load .pytest_cache .ruff_cache
