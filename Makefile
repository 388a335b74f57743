# The two commands: `make demo` and `make test`. Both set up everything they need
# on a fresh Debian machine with Python 3.11: the virtualenv, the package with its
# dev extras, and the system library libzbar0 (for the pyzbar QR backend).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test bench fuzz vectors lint clean

setup: $(STAMP) zbar

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# libzbar0 is optional at run time (the zxing-cpp backend works without it), but
# the test suite exercises both backends, so install it when it is missing.
zbar:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libzbar\.so\.0'; then \
	  echo "installing libzbar0 (system library for pyzbar)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libzbar0 >/dev/null \
	    || echo "warning: could not install libzbar0; the zbar backend will be unavailable"; \
	fi

demo: setup
	$(PY) -m cccdqr.cli.demo demo-out

test: setup
	$(PY) -m mypy
	$(PY) -m pytest

bench: setup
	$(PY) bench/run.py

# A long fuzzing campaign over verify() and inspect(), outside CI: atheris when it
# installs (coverage-guided), else hypothesis. Writes fuzz/RESULTS.md.
FUZZ_RUNS ?= 200000
fuzz: setup
	-$(PY) -m pip install --quiet atheris
	$(PY) fuzz/run.py --runs $(FUZZ_RUNS)

lint: setup
	$(PY) -m ruff check src tests readers bench fuzz
	$(PY) -m mypy

clean:
	rm -rf $(VENV) demo-out build dist src/*.egg-info .pytest_cache .hypothesis
