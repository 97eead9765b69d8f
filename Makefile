# hdhport — every target installs what it needs first (idempotent); `make help` lists them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HDH := $(VENV)/bin/hdhport
STAMP := $(VENV)/.installed-stamp
# Debian packages the tests use (package:command that proves it is there)
SYSTEM_PACKAGES := chromium:chromium cloud-init:cloud-init graphviz:dot nftables:nft
# The real servers and tools of the migration tests: Swift all-in-one (with memcached for tempauth),
# rclone, RabbitMQ (AMQP 1.0 plugin included), PostgreSQL 15, and npm for Azurite
SYSTEM_PACKAGES += swift:swift-ring-builder swift-proxy:swift-proxy-server swift-object:swift-object-server \
  swift-container:swift-container-server swift-account:swift-account-server memcached:memcached rclone:rclone \
  rabbitmq-server:/usr/lib/rabbitmq/bin/rabbitmq-server postgresql:/usr/lib/postgresql/15/bin/initdb npm:npm
# Azurite (Azure Storage emulator) from npm, in a project-local folder that git ignores
AZURITE := .tools/node_modules/.bin/azurite-blob
# The procurement diff the demo writes: every shipped profile against today's platform
DIFF_DEMO := --all --baseline azure-francecentral

.DEFAULT_GOAL := help
.PHONY: help install system-deps integration-deps demo test test-unit test-integration typecheck schemas golden screenshot bench clean

help: ## list every target with what it does
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:[^#]*## /\t/' | awk -F'\t' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install hdhport with its dependencies (idempotent)

system-deps: ## install the Debian packages the tests use (Chromium, cloud-init, graphviz, the migration servers...), only those missing
	scripts/system-deps.sh $(SYSTEM_PACKAGES)

demo: install system-deps ## the main job on the embedded default: validate, catalogue, coverage, offline plans (3 enclaves), bidder diff
	$(HDH) validate
	$(HDH) catalog list
	$(HDH) profile list
	$(HDH) plan --profile azure-francecentral --enclaves 3
	$(HDH) plan --profile ovhcloud-public-cloud --enclaves 3
	for format in md html csv json xlsx; do $(HDH) diff $(DIFF_DEMO) --format $$format --out out/diff/diff.$$format || exit; done
	$(HDH) diff $(DIFF_DEMO)

integration-deps: system-deps $(AZURITE) ## install the real servers the integration tests start (Debian packages, Azurite from npm)

$(AZURITE):
	npm install --prefix .tools --no-audit --no-fund --loglevel=error azurite@3

test: install integration-deps typecheck ## run the whole test suite (unit, property-based, integration against real servers, type-check)
	$(PY) -m pytest

test-unit: install ## run the tests that need no real server
	$(PY) -m pytest -m "not integration"

test-integration: install integration-deps ## run only the tests against real servers (Azurite, Swift, RabbitMQ, PostgreSQL, Chromium)
	$(PY) -m pytest -m integration

typecheck: install ## type-check the package against the SDKs' own type information (mypy --strict)
	$(PY) -m mypy hdhport providers infra policies bench

schemas: install ## regenerate the published JSON Schemas in schemas/
	$(HDH) schema catalog > schemas/catalog.schema.json
	$(HDH) schema profile > schemas/profile.schema.json
	$(PY) -m hdhport.procurement.report > schemas/diff.schema.json

golden: install ## rewrite golden snapshots (tests/golden) and expected messages (tests/data/invalid); review the diff
	HDHPORT_UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/test_invalid_inputs.py tests/test_golden.py

screenshot: install system-deps ## regenerate docs/img/diff-report.png (the README's picture of the HTML diff report) in headless Chromium
	HDHPORT_SCREENSHOT=docs/img/diff-report.png $(PY) -m pytest -q -m integration tests/test_procurement_html.py -k screenshot

bench: install ## measure plan against its floor (1, 55, 500 enclaves), scaling, validate/diff/check times; writes bench/results.json (~15 min)
	$(PY) -m bench.run

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis build *.egg-info
