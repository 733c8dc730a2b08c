# The two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
APT_PACKAGES := redis-server dovecot-imapd chromium poppler-utils

.PHONY: run test lint typecheck pytest servers bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Real servers the tests spawn; installed from Debian's packages when missing.
servers:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	[ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "installing test servers:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@# Debian starts dovecot and redis as system services on install; tests start their own.
	-@systemctl disable --now dovecot >/dev/null 2>&1 || true

run: $(STAMP)
	$(BIN)/contact-gateway demo --config config/demo.toml

lint: $(TEST_STAMP)
	$(BIN)/ruff check policy_core gateway channels tests benchmarks
	$(BIN)/ruff format --check policy_core gateway channels tests benchmarks

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

pytest: $(TEST_STAMP) servers
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(TEST_STAMP) servers
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
