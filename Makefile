# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= var/carekpi.duckdb
PORT ?= 8501
# `make test` spreads the suite over this many processes (pytest-xdist; "auto": one per CPU core, at most 4)
TEST_WORKERS ?= auto
# The sample data's pseudonym key lives in var/ (never in git); real deployments set CAREKPI_PSEUDONYM_KEY.
export CAREKPI_PSEUDONYM_KEY_FILE ?= $(CURDIR)/var/pseudonym.key

.PHONY: run test install install-test load clean bench prove plotly-bundle

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test,browser,spark]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

load: install
	$(BIN)/carekpi load sample_data --db $(DB)

run: load
	$(BIN)/carekpi users demo
	@echo "carekpi dashboard: http://localhost:$(PORT)  (log in with a demo user above)"
	CAREKPI_DB_PATH=$(DB) $(BIN)/streamlit run dashboard/app.py --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: install-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4

prove: install-test
	CAREKPI_PROOF=full $(BIN)/python -m pytest -m prove -s
	$(BIN)/python scripts/junk_load.py --lines 1000000 --refuse-share 0.5

bench: install
	$(BIN)/carekpi bench $(if $(N),--contacts $(N),--contacts 1000000 --contacts 10000000 --contacts 50000000) \
		--data-dir $(or $(BENCH_DATA),var/bench)

# The HTML report's plotly.js (scatter, bar and pie only), vendored in etl/assets/plotly/ (see SOURCE.md there);
# run this only to move to another plotly.js version (npm needed; `make run` and `make test` never need it).
PLOTLY_JS ?= 4.1.1
plotly-bundle:
	rm -rf $(VENV)/plotly-bundle && mkdir -p $(VENV)/plotly-bundle
	cd $(VENV)/plotly-bundle && npm pack --silent plotly.js-basic-dist-min@$(PLOTLY_JS) && tar xzf *.tgz
	cp $(VENV)/plotly-bundle/package/plotly-basic.min.js $(VENV)/plotly-bundle/package/LICENSE etl/assets/plotly/

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts
