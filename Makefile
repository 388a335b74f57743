# The two commands: `make demo` and `make test`. Both set up everything they need
# on a fresh Debian machine with Python 3.11: the virtualenv, the package with its
# dev extras, and the system library libzbar0 (for the pyzbar QR backend).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup system demo test bench fuzz vectors lint clean

setup: $(STAMP) system

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# System packages the suite needs, installed with apt-get when missing (as root,
# or through sudo): libzbar0 for the pyzbar QR backend. Other issues add theirs to
# this list (one Debian package name each); `dpkg -s` decides what is missing.
SYSTEM_PACKAGES := libzbar0 chromium softhsm2 poppler-utils fonts-dejavu-core

system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	    || echo "warning: could not install$$missing; tests that need them will fail"; \
	fi

demo: setup
	$(PY) -m cccdqr.cli.demo demo-out

test: setup
	$(PY) -m ruff check src tests readers bench fuzz
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
