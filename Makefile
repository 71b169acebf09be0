# The two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
HOSO := $(VENV)/bin/hoso
DEMO_HOME ?= demo-data

.PHONY: demo test test-fast deps deps-test bench clean

deps:
	scripts/install-deps.sh

deps-test:
	HOSO_OPENSEARCH=1 scripts/install-deps.sh

# Ingest the bundled samples into the embedded index, show what a clerk and a prosecutor see, then how
# to open the same home in a browser.
demo: deps
	$(HOSO) --home $(DEMO_HOME) doctor
	$(HOSO) --home $(DEMO_HOME) ingest samples/inbox || [ $$? -eq 3 ]
	$(HOSO) --home $(DEMO_HOME) status
	$(HOSO) --home $(DEMO_HOME) search "khoi to vu an"
	$(HOSO) --home $(DEMO_HOME) dossier show 2025-HS-0001
	$(HOSO) --home $(DEMO_HOME) ingest samples/more/don_khieu_nai.pdf samples/more/don_kien_nghi.pdf --petitions
	$(HOSO) --home $(DEMO_HOME) petitions list
	@echo
	@echo "The prosecutors' web app over this home: make yourself an account (no default one exists; the"
	@echo "password is asked on the terminal), then serve it (Ctrl-C stops it):"
	@echo "  $(HOSO) --home $(DEMO_HOME) user add lanhdao --role leader --clearance toi_mat"
	@echo "  $(HOSO) --home $(DEMO_HOME) serve    # then open http://127.0.0.1:8080/"

# Lint (ruff), the layering of pyproject.toml's contracts (lint-imports, README "Architecture"), then unit
# and integration tests: real Tesseract, a real OpenSearch node, a Redis (the OCR jobs' broker) and a real
# PostgreSQL server (Debian's) started for the run (the store and a subset of the end-to-end tests run again
# with the catalog on it), and the web app in Debian's chromium (installed by deps-test).
test: deps-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo
	scripts/opensearch.sh start
	scripts/redis.sh start
	scripts/postgres.sh start || { scripts/redis.sh stop; scripts/opensearch.sh stop; exit 1; }
	set -o pipefail; OMP_THREAD_LIMIT=1 HOSO_TEST_OPENSEARCH_URL=$$(scripts/opensearch.sh url) \
	  HOSO_TEST_REDIS_URL=$$(scripts/redis.sh url) HOSO_TEST_CATALOG_URL=$$(scripts/postgres.sh url) \
	  $(VENV)/bin/python -m pytest -q -p no:cacheprovider; status=$$?; \
	  scripts/postgres.sh stop; scripts/opensearch.sh stop; scripts/redis.sh stop; exit $$status

# The inner loop: lint, then the tests that need no OCR, OpenSearch node, PostgreSQL, veraPDF, browser or broker (about a minute).
test-fast: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo
	OMP_THREAD_LIMIT=1 $(VENV)/bin/python -m pytest -q -p no:cacheprovider -m "not ocr and not opensearch and not postgres and not verapdf and not browser and not broker"

bench: deps-test
	$(VENV)/bin/python bench/ocr_throughput.py

clean:
	rm -rf $(DEMO_HOME) .pytest_cache
