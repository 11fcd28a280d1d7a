# uugraph: the two commands a newcomer needs are `make build` and `make test`.
# Both create .venv when it is missing and install the project into it
# (`pip install -e .[test]`) only when pyproject.toml is newer than the stamp
# file .venv/.installed, so repeated runs do not reinstall.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The site's browser test drives Debian's headless Chromium. `make test` installs
# it (apt-get, as root) only when it is missing; UUGRAPH_SKIP_BROWSER=1 skips
# both the install and the browser test.
CHROMIUM := /usr/bin/chromium
ifneq ($(UUGRAPH_SKIP_BROWSER),1)
TEST_NEEDS := $(CHROMIUM)
endif

.DEFAULT_GOAL := build
.PHONY: build validate test lint bench docs clean distclean install help

help:
	@echo "make build      validate, then write dist/ (graph.ttl, graph.nt, graph.jsonld, context.jsonld, void.ttl)"
	@echo "make validate   load, reason and check the SHACL shapes; print violations and warnings"
	@echo "make test       run the test suite (pytest; installs chromium for the browser test when missing)"
	@echo "make lint       ruff check src tests"
	@echo "make bench      time validate and build as whole processes (bench/README.md)"
	@echo "make docs       refresh docs/network.svg (the README's picture) from a build"
	@echo "make clean      remove dist/ and caches (distclean also removes .venv)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --no-input -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

build: $(STAMP)
	$(PY) -m uugraph build

validate: $(STAMP)
	$(PY) -m uugraph validate

# pytest exits 5 when it collected no tests: that is a failure, not a pass.
test: $(STAMP) $(TEST_NEEDS)
	@status=0; $(PY) -m pytest -q || status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests (exit 5)" >&2; exit 1; fi; \
	exit $$status

lint: $(STAMP)
	$(PY) -m ruff check src tests

bench: $(STAMP)
	$(PY) bench/bench_pipeline.py

docs: build
	cp dist/network.svg docs/network.svg

clean:
	rm -rf dist .pytest_cache .ruff_cache .hypothesis build src/*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
