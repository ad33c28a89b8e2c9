# The two commands of the README: `make build` and `make test`. Each sets itself up:
# a virtualenv in .venv with monplan and its test dependencies, and (for tests) the
# Debian packages of the real tools the tests run.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: build lint test tools e2e bench

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

build: $(STAMP)
	$(VENV)/bin/monplan build

tools:
	scripts/install-tools.sh

# ruff (monplan, tests, benchmarks, scripts) and mypy --strict (monplan), configured in
# pyproject.toml; `make test` runs them first and stops at their first finding.
lint: $(STAMP)
	$(VENV)/bin/ruff check
	$(VENV)/bin/mypy

test: lint tools
	$(VENV)/bin/pytest -n auto

e2e: $(STAMP) tools
	$(VENV)/bin/pytest -m e2e

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/bench_build.py
