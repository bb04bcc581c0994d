# Two commands do all set-up: `make run` (the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
SANDBOX_PORT ?= 8443
export PORT SANDBOX_PORT

.PHONY: run test lint bench install install-dev browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,witness]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/bcsales run --port $(PORT) --sandbox-port $(SANDBOX_PORT)

# Debian's Chromium drives the browser tests (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium) for the browser tests."; exit 1; fi; }

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy .

# Two passes. First, on SQLite (the default engine): the tests that need no database, the
# browser tests (the pages end to end on a live server), the tests with real worker processes
# (SQLite's locking under a worker) and the hostile-input tests (each engine refuses other
# values: huge integers, NUL characters). Then every test that touches the database, and the slow
# ones, on PostgreSQL: the real engine where there is one; with none, that pass runs on SQLite,
# so each test runs at least once either way. Tests wait on the network more than they compute:
# four xdist workers keep two cores busy (each with its own sandbox, Redis database, data folder
# and test database).
TEST_WORKERS ?= 4
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=15

test: install-dev browser
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(PYTEST) -m "not slow and (not database or browser or worker or fuzz)"
	tests/with_postgres.sh $(PYTEST) -m "(database or slow) and not browser" -p no:cacheprovider

# Figures, never assertions: each benchmark builds its own world (sandbox, Redis, database).
bench: install-dev
	$(BIN)/python bench/full_sync.py --quick --server-ms 20 --no-incremental
	$(BIN)/python bench/full_sync.py --quick --server-ms 50
	$(BIN)/python bench/full_sync.py --quick --case from-sales
	$(BIN)/python bench/reconcile.py --quick
	$(BIN)/python bench/identities.py --quick --server-ms 20
	$(BIN)/python bench/identities.py --quick --server-ms 50
	$(BIN)/python bench/operation_cost.py --records 5000 --rounds 1

clean:
	rm -rf $(VENV) .data
