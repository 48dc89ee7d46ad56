# frdiff: every target sets up its own virtual environment first.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])")
DEMO_OUT ?= out/demo

.PHONY: venv demo test lint fuzz bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $@

## demo: the weekly report for the week of 2025-03-24 from the bundled fixtures, offline
demo: venv
	$(VENV)/bin/frdiff weekly --week 2025-W13 --offline --fixtures fixtures --out $(DEMO_OUT)

## lint: ruff (lint + format check) and mypy on frdiff/
lint: venv
	$(VENV)/bin/ruff check frdiff tests benchmarks
	$(VENV)/bin/ruff format --check frdiff tests benchmarks
	$(VENV)/bin/mypy frdiff

## test: lint, then the whole test suite
test: lint
	$(PY) -m pytest -q

## fuzz: a longer property-based fuzz run than the one in `make test`
fuzz: venv
	FRDIFF_FUZZ_EXAMPLES=2000 $(PY) -m pytest -q tests -k fuzz

## bench: speed and memory against baselines measured in the same run
bench: venv
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
