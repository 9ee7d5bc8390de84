# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pywb, for the archive tests, in its own venv: its pins (redis==2.10.6) conflict with ours.
PYWB_STAMP := .venv-pywb/.installed

# Debian packages the tests drive for real: a headless browser for the HTML report and a
# Redis server for distributed crawling. Installed only when missing (needs root + apt).
SYSTEM_TOOLS := chromium redis-server

.PHONY: demo test test-fast lint install system-deps pywb clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(PYWB_STAMP): tests/archive/pywb-requirements.txt $(STAMP)
	$(BIN)/python -m tests.archiving

pywb: $(PYWB_STAMP)

demo: $(STAMP)
	$(BIN)/tdm-crawl demo --out runs/demo --overwrite

system-deps:
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(STAMP) $(PYWB_STAMP) system-deps
	$(BIN)/ruff check tdm_crawler tests fixtures examples bench
	$(BIN)/mypy
	$(BIN)/pytest -q

# The edit-test loop: everything but real crawls, Redis, the browser and pywb (markers e2e,
# redis, browser, archive; tests/conftest.py), in well under a minute. `make test` still
# runs everything.
test-fast: $(STAMP)
	$(BIN)/ruff check tdm_crawler tests fixtures examples bench
	$(BIN)/mypy
	$(BIN)/pytest -q -m "not e2e and not redis and not browser and not archive"

lint: $(STAMP)
	$(BIN)/ruff check tdm_crawler tests fixtures examples bench
	$(BIN)/ruff format --check tdm_crawler tests fixtures examples bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .venv-pywb runs .pytest_cache .mypy_cache .ruff_cache
