# frdiff: every target sets up its own virtual environment first.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])")
DEMO_OUT ?= out/demo
COMPILED_VENV ?= .venv-compiled

.PHONY: venv demo test test-compiled lint fuzz bench clean

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
	$(VENV)/bin/ruff check frdiff tests benchmarks setup.py
	$(VENV)/bin/ruff format --check frdiff tests benchmarks setup.py
	$(VENV)/bin/mypy frdiff

## test: lint, then the whole test suite twice: on the sources (pure Python), and on
## the package as `pip install` builds it, the parser compiled (see setup.py)
test: lint
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory test-compiled

## test-compiled: the test suite on a non-editable install in $(COMPILED_VENV)
## (-P and the pythonpath override keep the checkout's own frdiff off sys.path)
test-compiled: venv
	test -x $(COMPILED_VENV)/bin/python || $(PYTHON) -m venv $(COMPILED_VENV)
	rm -rf build/wheel
	FRDIFF_COMPILE=1 $(COMPILED_VENV)/bin/python -m pip wheel --quiet \
		--disable-pip-version-check --no-deps -w build/wheel .
	$(COMPILED_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		"$$(ls build/wheel/frdiff-*.whl)[test,bench]"
	$(COMPILED_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		--no-deps --force-reinstall build/wheel/frdiff-*.whl
	FRDIFF_EXPECT_COMPILED=1 $(COMPILED_VENV)/bin/python -P -m pytest -q \
		-o pythonpath=tests -p no:cacheprovider

## fuzz: a longer property-based fuzz run than the one in `make test`
fuzz: venv
	FRDIFF_FUZZ_EXAMPLES=2000 $(PY) -m pytest -q tests -k fuzz

## bench: speed and memory against baselines measured in the same run
bench: venv
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) $(COMPILED_VENV) .bench build out .pytest_cache .mypy_cache .ruff_cache .hypothesis
