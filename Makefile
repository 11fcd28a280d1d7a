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
# The store tests run a real Virtuoso and Jena ARQ from Debian (about 1.5 minutes of the
# suite). The packaged Virtuoso service must never start (it would listen on every
# interface): policy-rc.d refuses every service start during the install (a policy-rc.d
# already there is put back afterwards), and the unit is masked and disabled. The tests
# start their own virtuoso-t on 127.0.0.1 with a throw-away database.
VIRTUOSO := /usr/bin/virtuoso-t
JENA     := /usr/share/java/jena-cmds.jar
TEST_NEEDS += $(VIRTUOSO) $(JENA)

.DEFAULT_GOAL := build
.PHONY: build validate test test-fast lint format bench docs clean distclean install help

help:
	@echo "make build      validate, then write dist/ (graph.ttl, graph.nt, graph.jsonld, context.jsonld, void.ttl)"
	@echo "make validate   load, reason and check the SHACL shapes; print violations and warnings"
	@echo "make test       run the whole test suite (pytest; installs chromium, virtuoso-opensource and Jena ARQ when missing)"
	@echo "make test-fast  the suite without the long engine-agreement tests (pytest -m 'not slow'), for the edit loop"
	@echo "make lint       the gates CI runs: ruff check, ruff format --check and mypy"
	@echo "make format     rewrite src, tests and bench in ruff's format"
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

$(VIRTUOSO):
	@if [ -e /usr/sbin/policy-rc.d ]; then cp -p /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.uugraph-saved; fi
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
	@status=0; apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y virtuoso-opensource || status=$$?; \
	systemctl mask virtuoso-opensource-7 >/dev/null 2>&1; update-rc.d virtuoso-opensource-7 disable >/dev/null 2>&1; \
	if [ -e /usr/sbin/policy-rc.d.uugraph-saved ]; then mv /usr/sbin/policy-rc.d.uugraph-saved /usr/sbin/policy-rc.d; else rm -f /usr/sbin/policy-rc.d; fi; \
	exit $$status

$(JENA):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libapache-jena-java default-jre-headless

build: $(STAMP)
	$(PY) -m uugraph build

validate: $(STAMP)
	$(PY) -m uugraph validate

# pytest exits 5 when it collected no tests: that is a failure, not a pass.
PYTEST_NONEMPTY = if [ $$status -eq 5 ]; then echo "error: pytest collected no tests (exit 5)" >&2; exit 1; fi; exit $$status

test: $(STAMP) $(TEST_NEEDS)
	@status=0; $(PY) -m pytest -q || status=$$?; $(PYTEST_NONEMPTY)

# The edit loop: everything but the tests marked slow (engine agreement with pySHACL and owlrl).
test-fast: $(STAMP) $(TEST_NEEDS)
	@status=0; $(PY) -m pytest -q -m "not slow" || status=$$?; $(PYTEST_NONEMPTY)

# All three gates run even when one fails, so one run shows every finding; the target fails if any did.
LINT_PATHS := src tests bench
lint: $(STAMP)
	@status=0; \
	echo "== ruff check"; $(PY) -m ruff check $(LINT_PATHS) || status=1; \
	echo "== ruff format --check"; $(PY) -m ruff format --check $(LINT_PATHS) || status=1; \
	echo "== mypy"; $(PY) -m mypy src || status=1; \
	exit $$status

format: $(STAMP)
	$(PY) -m ruff format $(LINT_PATHS)

bench: $(STAMP)
	$(PY) bench/bench_pipeline.py

docs: build
	cp dist/network.svg docs/network.svg

clean:
	rm -rf dist .pytest_cache .ruff_cache .hypothesis build src/*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
