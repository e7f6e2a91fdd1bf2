# Two entry points: `make run` sets everything up and starts the assistant on the local
# default model; `make test` sets everything up and runs the whole test suite.
VENV ?= .venv
PY := $(VENV)/bin/python
DEBS := chromium espeak-ng fonts-noto-cjk

.PHONY: setup system-deps run test lint

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.installed

# Debian packages the browser tests and speech need; installed only when missing.
system-deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

run: setup
	$(VENV)/bin/banshi models assemble
	$(VENV)/bin/banshi serve

test: setup system-deps
	$(PY) -m pytest -q -ra

lint: setup
	$(VENV)/bin/ruff check banshi tests bench
