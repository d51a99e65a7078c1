# Evidence Capture: `make run` starts the app, `make test` runs every check. Both work from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test sysdeps venv lint pytest bench stress clean

run: sysdeps $(STAMP)
	$(BIN)/evidence-capture

test: sysdeps $(STAMP) lint pytest

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

bench: sysdeps $(STAMP)
	$(BIN)/python bench/run_all.py

STRESS_SUITES := tests/evidence/test_crash_seal.py tests/evidence/test_vault.py tests/evidence/test_fuzz_readers.py \
	tests/evidence/test_resource_faults.py tests/evidence/test_plaintext_at_rest.py \
	tests/evidence/test_tamper_matrix.py tests/evidence/test_bundle_corpus.py tests/evidence/test_ageio.py

stress: sysdeps $(STAMP)
	EVIDENCE_CAPTURE_TESTING=1 EC_STRESS=1 EC_CRASH_KILLS=200 $(BIN)/python -m pytest $(STRESS_SUITES)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
