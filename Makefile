# Two commands do everything on a fresh machine:
#   make serve   set up, build the site into output/ and serve it at http://localhost:8000
#   make test    set up (including Chromium for browser tests) and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
OUTPUT ?= output
VENDOR := theme/static/vendor

.PHONY: serve build test assets chromium publish clean help bench translations
.DEFAULT_GOAL := help

help:
	@echo "make serve  - build the site and serve it at http://localhost:$(PORT)"
	@echo "make test   - run every test (installs what the tests need, including Chromium)"
	@echo "make build  - build the site into $(OUTPUT)/"
	@echo "make publish - build with publishconf.py (absolute URLs) into $(OUTPUT)/"
	@echo "make translations - extract interface strings, update the es/pt catalogs and compile them"
	@echo "make bench  - build/search benchmark at BENCH_SIZES (default 1000,5000,20000); not part of make test"

$(BIN)/iop: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.test-deps: $(BIN)/iop pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# Front-end packages come from npm (versions pinned in package-lock.json) and are copied into the theme,
# so the site never loads them from another host.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/lunr/lunr.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)/lunr
	cp node_modules/lunr/lunr.min.js node_modules/lunr/LICENSE $(VENDOR)/lunr/
	@touch $@

# The compare sheet's QR code is made in the browser; the map's boundaries (us-atlas, public domain) are read at
# build time from node_modules and served as the site's own map/massachusetts.svg.
$(VENDOR)/qrcode-generator/qrcode.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)/qrcode-generator
	cp node_modules/qrcode-generator/dist/qrcode.js $(VENDOR)/qrcode-generator/  # MIT; its licence is in the file
	@touch $@

assets: $(VENDOR)/lunr/lunr.min.js $(VENDOR)/qrcode-generator/qrcode.js

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Interface translations (issue 9): babel.cfg says where strings are; theme/translations holds the catalogs.
# `make translations` extracts, updates and compiles; the .mo files (gitignored) are rebuilt when a .po changes.
I18N := theme/translations
I18N_LANGS := es pt
MO_FILES := $(foreach l,$(I18N_LANGS),$(I18N)/$(l)/LC_MESSAGES/messages.mo)

$(I18N)/%/LC_MESSAGES/messages.mo: $(I18N)/%/LC_MESSAGES/messages.po | $(BIN)/iop
	$(BIN)/pybabel compile --statistics -i $< -o $@ -l $*

translations: $(BIN)/iop
	PYTHONPATH=plugins $(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header \
	  -o $(I18N)/messages.pot .
	$(BIN)/pybabel update -i $(I18N)/messages.pot -d $(I18N) --no-fuzzy-matching --ignore-obsolete \
	  --ignore-pot-creation-date
	rm -f $(MO_FILES)  # compiled again; --always-make also re-ran the virtualenv's setup
	$(MAKE) $(MO_FILES)

build: $(BIN)/iop assets $(MO_FILES)
	$(BIN)/iop build --output $(OUTPUT)

serve: build
	@echo "Serving http://localhost:$(PORT) (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory $(OUTPUT)

test: $(VENV)/.test-deps assets chromium $(MO_FILES)
	$(BIN)/python -m pytest

# Build time, memory, rebuild and search cost against plain Pelican (bench/README.md). Sizes: BENCH_SIZES=1000,5000
bench: $(VENV)/.test-deps assets chromium
	$(BIN)/python bench/run.py

publish: $(BIN)/iop assets $(MO_FILES)
	$(BIN)/iop build --settings publishconf.py --output $(OUTPUT)

clean:
	rm -rf $(OUTPUT) $(VENDOR) node_modules
