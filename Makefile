# The two commands a newcomer needs: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help tools demo devcluster test lint type unit fmt bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

tools: ## system packages the suite and the demo use (Debian's prometheus), when missing
	@command -v prometheus >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's prometheus (analysis runs against a real one)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	  else echo "prometheus is missing: install it (Debian: apt-get install prometheus)"; fi; }

demo: $(STAMP) tools ## run the main job on the embedded cluster (no real cluster needed)
	$(VENV)/bin/rollouts demo

devcluster: $(STAMP) ## serve devcluster on port 6443 with a kubeconfig in .devcluster/
	$(VENV)/bin/rollouts devcluster --port 6443 --kubeconfig .devcluster/kubeconfig

lint: $(STAMP) ## ruff, format check, import layering
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

type: $(STAMP) ## mypy --strict
	$(VENV)/bin/mypy

unit: $(STAMP) tools ## the test suite alone
	@$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a broken suite, not a pass" >&2; exit 1; fi; \
	exit $$rc

test: lint type unit ## the whole suite: lint, types, tests (what CI runs)

fmt: $(STAMP) ## format and fix what ruff can
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP) ## benchmarks (figures go to docs/benchmarks.md by hand)
	$(PY) bench/devcluster.py

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .devcluster
