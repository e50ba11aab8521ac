# Two commands set everything up: `make run` serves the app on DynamoDB Local,
# `make test` runs the whole suite. Both create the virtual environment when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DYNAMODB_PORT ?= 8001
AXE_VERSION := 4.11.0
AXE := .cache/node/node_modules/axe-core/axe.min.js
# The official TypeScript MCP client: the stdio server is tested with an independent client.
MCP_SDK_VERSION := 1.32.2
MCP_SDK := .cache/node/node_modules/@modelcontextprotocol/sdk/package.json

.PHONY: run test lint bench clean check-tools browser nginx

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

check-tools:
	@command -v java >/dev/null || { echo "java is missing: install Java 17+ (Debian: apt-get install -y openjdk-17-jre-headless)"; exit 1; }
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 and npm (Debian: apt-get install -y nodejs npm)"; exit 1; }

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium is missing: install it (Debian: apt-get install -y chromium)"; exit 1; fi; }

# The proxy tests run Debian's nginx (deploy/nginx/mediphant.conf) without root, with a
# throw-away certificate made by openssl.
nginx:
	@{ command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } && command -v openssl >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx openssl; \
	  elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx openssl; \
	  else echo "nginx or openssl is missing: install them (Debian: apt-get install -y nginx openssl)"; exit 1; fi; }

$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/node axe-core@$(AXE_VERSION)

$(MCP_SDK):
	npm install --silent --no-audit --no-fund --save-exact --prefix .cache/node @modelcontextprotocol/sdk@$(MCP_SDK_VERSION)

run: $(STAMP) check-tools
	MEDIPHANT_ENV=$${MEDIPHANT_ENV:-development} \
	MEDIPHANT_DYNAMODB_HOST=$${MEDIPHANT_DYNAMODB_HOST:-http://127.0.0.1:$(DYNAMODB_PORT)} \
	  $(BIN)/flask --app mediphant run-local

test: $(STAMP) check-tools browser nginx $(AXE) $(MCP_SDK)
	$(BIN)/pytest

bench: $(STAMP) check-tools
	$(BIN)/python bench/bench_checker.py
	$(BIN)/python bench/bench_faq.py
	$(BIN)/python bench/load.py --out docs/performance.md

lint: $(STAMP)
	$(BIN)/ruff check mediphant tests bench
	$(BIN)/ruff format --check mediphant tests bench

clean:
	rm -rf $(VENV) .cache .pytest_cache
