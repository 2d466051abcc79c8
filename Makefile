# lofi-build. On a fresh machine: `make site` bakes the site, `make test` runs every test.
# Each target sets up what it needs (.venv, Python packages, Debian tools) and is idempotent.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages the tests need: Chromium for browser tests; fluidsynth, a GM soundfont and
# espeak-ng for the sound-kit re-bake test. `make site` needs none of them.
TEST_APT := chromium fluidsynth fluid-soundfont-gm espeak-ng

.PHONY: site serve test test-fast train samples screenshots clean distclean

site: $(VENV)/.site
	$(BIN)/lofi-build site
	@echo
	@echo "The site is in build/. Open it with:  make serve   (then http://127.0.0.1:8000/)"
	@echo "or host build/ anywhere static (see README: Netlify, GitHub Pages)."

serve: $(VENV)/.site
	$(BIN)/lofi-build serve

test: $(VENV)/.test system-deps
	$(BIN)/python -m pytest

test-fast: $(VENV)/.test
	$(BIN)/python -m pytest -m "not slow and not browser"

# The README's pictures of the player (desktop 1280x800, phone 375x740), from the layout test.
screenshots: $(VENV)/.test system-deps
	LOFI_SCREENSHOTS=$(CURDIR)/docs $(BIN)/python -m pytest -q tests/player/test_player_layout.py

train: $(VENV)/.train
	$(BIN)/lofi-build train

samples: $(VENV)/.site system-deps
	$(BIN)/lofi-build samples

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.site: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.train: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[train]'
	@touch $@ $(VENV)/.site

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.train $(VENV)/.site

# Install missing Debian packages when we are root; otherwise say what is missing (CI=true
# makes the tests that need them fail rather than skip).
system-deps:
	@missing=$$(for p in $(TEST_APT); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages (install them for the full suite): $$missing"; \
	  fi; \
	fi

clean:
	rm -rf build .pytest_cache .hypothesis

distclean: clean
	rm -rf $(VENV) .lofi-cache
