# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run    – virtualenv, install, migrate, seed the first contest, create an admin, serve
#   make test   – virtualenv, install, compile translations, browser if missing, run the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test install install-dev translations messages browser lint bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Compile the .po catalogs into the .mo files Flask-Babel reads.
translations: $(VENV)/.runtime
	$(BIN)/pybabel -q compile -d app/translations

## Extract every translatable string and merge it into the vi and en catalogs.
messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel update -N --ignore-obsolete -i app/translations/messages.pot -d app/translations

run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask contest seed --if-empty
	$(BIN)/flask users ensure-admin
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium missing: run 'sudo apt-get install chromium' (browser tests will be skipped)"; fi; }

test: install-dev translations browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
