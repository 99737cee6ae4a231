# jinli: `make demo` and `make test` do all the set-up themselves (a virtualenv in .venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp

.PHONY: demo test test-fast bench bench-quick clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	bash scripts/demo.sh

# Starts PostgreSQL, the Twilio contract mock and Chromium first, stops them after (.ci/services.sh).
test: $(STAMP)
	VENV_PYTHON=$(CURDIR)/$(BIN)/python bash .ci/with-services.sh $(BIN)/pytest -q

# The quick unit loop: no services.
test-fast: $(STAMP)
	$(BIN)/pytest -q tests/unit

# The bench extra (DuckDB, the independent anchor) on top of the test install.
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

# Both databases: a throw-away PostgreSQL is started for the run and stopped after (unless
# JINLI_BENCH_PG_URL or JINLI_TEST_PG_URL names one already), with the shared buffers a server for a
# million customers is given (README, Deployment); the default 128 MB evicts the customers table.
BENCH_PG_OPTIONS ?= -c shared_buffers=2GB
bench: $(BENCH_STAMP)
	JINLI_SERVICES=postgres JINLI_PG_SERVER_OPTIONS="$(BENCH_PG_OPTIONS)" bash .ci/with-services.sh $(BIN)/python -m bench.run

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --quick

clean:
	rm -rf $(VENV) var/demo *.egg-info
