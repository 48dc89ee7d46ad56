# frdiff: every target sets up the virtual environment it needs first.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
HASH    = $(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:12])")
STAMP   = $(VENV)/.installed-$(HASH)
## demo runs from an environment of its own holding frdiff and its runtime
## dependencies only (no test or benchmark tools)
DEMO_VENV  ?= .venv-demo
DEMO_STAMP  = $(DEMO_VENV)/.installed-$(HASH)
DEMO_OUT   ?= out/demo

.PHONY: venv demo test browser lint fuzz bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $@

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install --quiet -e .
	rm -f $(DEMO_VENV)/.installed-*
	touch $@

## demo: the weekly report for the week of 2025-03-24 from the bundled fixtures, offline
demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/frdiff weekly --week 2025-W13 --offline --fixtures fixtures --out $(DEMO_OUT)

## browser: find headless chromium for the browser tests, or install Debian's
browser:
	scripts/ensure-browser

## lint: ruff (lint + format check) and mypy on frdiff/
lint: venv
	$(VENV)/bin/ruff check frdiff tests benchmarks
	$(VENV)/bin/ruff format --check frdiff tests benchmarks
	$(VENV)/bin/mypy frdiff

## test: chromium found (or installed), lint, then the whole test suite once
test: browser lint
	$(PY) -m pytest -q

## fuzz: a longer property-based fuzz run than the one in `make test`
fuzz: venv
	FRDIFF_FUZZ_EXAMPLES=2000 $(PY) -m pytest -q tests -k fuzz

## bench: speed and memory against baselines measured in the same run
bench: venv
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) $(DEMO_VENV) .bench build out .pytest_cache .mypy_cache .ruff_cache .hypothesis
