# The two commands: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# One worker more than cores: many tests wait on a real server, a browser or a database, and a
# third worker fills those waits (2 cores, 4 Dec: 344 s with 3 workers, 370 s with 4).
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print((os.cpu_count() or 1) + 1)")

.PHONY: run test lint bench bench-smoke fuzz clean-venv browser pdf-tools deploy-tools

# Compiled modules are kept under .venv/pycache even where PYTHONDONTWRITEBYTECODE is set (as on
# our CI machines), and pip compiles the libraries as it installs them: without that, each of the
# suite's Python processes (the workers, every server a test starts) compiled the code and its
# libraries again, and pytest rewrote the tests' asserts again: 9 s of collecting per worker
# instead of 4.
PYCACHE := env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` installs what running needs; `make test` adds the test extras.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(PYCACHE) $(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PYCACHE) $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

# PORT also sets the links the app writes (SMS, landlord pages, calendar feed), unless
# ALLERVERS_PUBLIC_URL says otherwise.
run: $(VENV)/.installed-run
	$(PYCACHE) $(BIN)/allervers db upgrade
	$(PYCACHE) $(BIN)/allervers demo-data
	$(PYCACHE) $(BIN)/allervers serve --port $(PORT)

test: $(VENV)/.installed browser pdf-tools deploy-tools
	$(PYCACHE) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# For whoever changes the JSON API: schemathesis, every phase and check, 500 examples per
# operation, a new seed each run (FUZZ_SEED=n repeats one). tests/fuzz/deep.py says more.
fuzz: $(VENV)/.installed
	$(PYCACHE) $(BIN)/python -m tests.fuzz.deep

# The browser tests drive Debian's Chromium. Install it when we can (root with apt-get);
# otherwise the browser tests skip with a loud reason (and fail in CI). chromium-l10n gives it
# French, so its date and time fields read 09/03/2026 and 14:00 in the screenshots, as on a
# French team member's computer (without it: 03/09/2026 and 02:00 PM).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/lib/chromium/locales/fr.pak ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Debian's chromium (and its French) for the browser tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n >/dev/null \
				|| echo "WARNING: could not install chromium: browser tests will be skipped"; \
		else \
			echo "WARNING: /usr/bin/chromium missing and cannot be installed here: browser tests will be skipped"; \
		fi; \
	fi

# The letter tests render PDF pages with Debian's poppler-utils (pdftoppm, pdftotext), as a
# printer would; same rule as the browser: installed when we can, else a loud skip (CI fails).
pdf-tools:
	@if ! command -v pdftoppm >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Debian's poppler-utils for the letter tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null \
				|| echo "WARNING: could not install poppler-utils: letter PDF tests will be skipped"; \
		else \
			echo "WARNING: pdftoppm missing and cannot be installed here: letter PDF tests will be skipped"; \
		fi; \
	fi

# docs/deploy.md's files are checked with the tools it installs: Debian's caddy (`caddy
# validate`) and systemd-analyze; same rule: installed when we can, else a loud skip (CI fails).
deploy-tools:
	@if ! command -v caddy >/dev/null 2>&1 || ! command -v systemd-analyze >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Debian's caddy and systemd for the deployment tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy systemd >/dev/null \
				|| echo "WARNING: could not install caddy/systemd: deployment file checks will be skipped"; \
		else \
			echo "WARNING: caddy or systemd-analyze missing: deployment file checks will be skipped"; \
		fi; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks print their figures; they are not part of `make test`. With a PostgreSQL URL in
# ALLERVERS_TEST_POSTGRES_URL the dispatcher and load benchmarks also run on PostgreSQL.
# A few seconds of the load benchmark, to see it still runs: on SQLite (also in `make test`) and,
# with ALLERVERS_TEST_POSTGRES_URL, on a temporary PostgreSQL database it creates and drops.
bench-smoke: $(VENV)/.installed
	$(PYCACHE) $(BIN)/python bench/load.py --smoke
	$${ALLERVERS_TEST_POSTGRES_URL:+$(PYCACHE) $(BIN)/python bench/load.py --smoke --postgres "$$ALLERVERS_TEST_POSTGRES_URL"}

bench: $(VENV)/.installed
	$(PYCACHE) $(BIN)/python bench/import_cases.py
	$(PYCACHE) $(BIN)/python bench/webhooks.py
	$(PYCACHE) $(BIN)/python bench/dispatch.py $${ALLERVERS_TEST_POSTGRES_URL:+--postgres "$$ALLERVERS_TEST_POSTGRES_URL"}
	$(PYCACHE) $(BIN)/python bench/case_list.py
	$(PYCACHE) $(BIN)/python bench/load.py
	$(PYCACHE) $(BIN)/python bench/sign_in_storm.py
	$(PYCACHE) $(BIN)/python bench/body_limit.py
	@if [ -n "$$ALLERVERS_TEST_POSTGRES_URL" ]; then \
		$(PYCACHE) $(BIN)/python bench/load.py --postgres "$$ALLERVERS_TEST_POSTGRES_URL"; \
		$(PYCACHE) $(BIN)/python bench/sign_in_storm.py --postgres "$$ALLERVERS_TEST_POSTGRES_URL"; fi

clean-venv:
	rm -rf $(VENV)
