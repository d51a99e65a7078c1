# Evidence Capture: `make run` starts the app, `make test` runs every check. Both work from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOQT_VENV := .venv-noqt
NOQT_STAMP := $(NOQT_VENV)/.installed

.PHONY: run test sysdeps venv lint pytest pytest-noqt bench stress clean

run: sysdeps $(STAMP)
	$(BIN)/evidence-capture

test: sysdeps $(STAMP) lint pytest pytest-noqt

sysdeps:
	@bash scripts/sysdeps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(STAMP)
	EVIDENCE_CAPTURE_TESTING=1 $(BIN)/python -m pytest

# The core's tests again in a second venv without PySide6 (the project installed with --no-deps, plus its non-Qt
# dependencies): the core must work where Qt is absent. pip's cache makes the first build quick; the stamp skips it.
$(NOQT_STAMP): pyproject.toml scripts/deps_without_qt.py
	$(PYTHON) -m venv $(NOQT_VENV)
	$(NOQT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) scripts/deps_without_qt.py > $(NOQT_VENV)/requirements.txt
	$(NOQT_VENV)/bin/python -m pip install --quiet -r $(NOQT_VENV)/requirements.txt
	$(NOQT_VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

pytest-noqt: $(NOQT_STAMP)
	@! $(NOQT_VENV)/bin/python -c 'import PySide6' 2>/dev/null || { echo "$(NOQT_VENV) has PySide6" >&2; exit 1; }
	EVIDENCE_CAPTURE_TESTING=1 $(NOQT_VENV)/bin/python -m pytest -q tests/evidence

bench: sysdeps $(STAMP)
	$(BIN)/python bench/run_all.py

STRESS_SUITES := tests/evidence/test_crash_seal.py tests/evidence/test_vault.py tests/evidence/test_fuzz_readers.py \
	tests/evidence/test_resource_faults.py tests/evidence/test_plaintext_at_rest.py \
	tests/evidence/test_tamper_matrix.py tests/evidence/test_bundle_corpus.py tests/evidence/test_ageio.py

stress: sysdeps $(STAMP)
	EVIDENCE_CAPTURE_TESTING=1 EC_STRESS=1 EC_CRASH_KILLS=200 $(BIN)/python -m pytest $(STRESS_SUITES)

clean:
	rm -rf $(VENV) $(NOQT_VENV) .pytest_cache .mypy_cache .ruff_cache
