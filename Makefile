# Evidence Capture: `make run` starts the app, `make test` runs every check. Both work from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOQT_VENV := .venv-noqt
NOQT_STAMP := $(NOQT_VENV)/.installed

APP_ID := org.evidencecapture.EvidenceCapture
ICON_SIZES := 16 24 32 48 64 128 256
PREFIX ?= $(HOME)/.local
# Each system's code behind one interface; the Windows and macOS code is type-checked here, where it cannot run.
PLATFORM_ADAPTERS := evidence/capture/platform_window.py evidence/capture/platform_windows_list.py \
	ui/capture_exclusion.py app/paths.py app/hotkeys.py app/instance.py

.PHONY: run test sysdeps venv lint pytest pytest-noqt bench stress clean dist deb icons install-desktop

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
	for p in linux win32 darwin; do \
	  $(BIN)/mypy --strict --no-warn-unreachable --follow-imports=silent --platform $$p $(PLATFORM_ADAPTERS) || exit 1; \
	done
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
	tests/evidence/test_tamper_matrix.py tests/evidence/test_bundle_corpus.py tests/evidence/test_ageio.py \
	tests/evidence/test_share_kills.py

stress: sysdeps $(STAMP)
	EVIDENCE_CAPTURE_TESTING=1 EC_STRESS=1 EC_CRASH_KILLS=200 $(BIN)/python -m pytest $(STRESS_SUITES)

# The one-folder application (dist/evidence-capture/), rebuilt only when an input changed (see build_dist.py).
dist: sysdeps $(STAMP)
	$(BIN)/python packaging/build_dist.py

# dist/evidence-capture_VERSION_ARCH.deb, made from that folder with plain dpkg-deb.
deb: dist
	$(BIN)/python packaging/build_deb.py

# Re-render resources/icons/*.png from resources/icon.svg (commit the result).
icons: $(STAMP)
	$(BIN)/python packaging/make_icons.py

# The desktop entry, metainfo and icons for a pip or pipx install (PREFIX=/usr/local for every user).
install-desktop:
	install -Dm644 packaging/linux/$(APP_ID).desktop $(DESTDIR)$(PREFIX)/share/applications/$(APP_ID).desktop
	install -Dm644 packaging/linux/$(APP_ID).metainfo.xml $(DESTDIR)$(PREFIX)/share/metainfo/$(APP_ID).metainfo.xml
	install -Dm644 resources/icon.svg $(DESTDIR)$(PREFIX)/share/icons/hicolor/scalable/apps/$(APP_ID).svg
	for s in $(ICON_SIZES); do \
	  install -Dm644 resources/icons/$${s}x$${s}.png $(DESTDIR)$(PREFIX)/share/icons/hicolor/$${s}x$${s}/apps/$(APP_ID).png; \
	done

clean:
	rm -rf $(VENV) $(NOQT_VENV) .pytest_cache .mypy_cache .ruff_cache build dist
