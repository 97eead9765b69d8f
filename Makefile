# hdhport — every target installs what it needs first (idempotent); `make help` lists them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HDH := $(VENV)/bin/hdhport
STAMP := $(VENV)/.installed-stamp
PIP := $(PY) -m pip --disable-pip-version-check --quiet
# The locks (requirements/): every Python package of the venv, runtime and dev, at an exact version with its
# hashes, for CPython 3.11 on Linux; pyproject.toml keeps the ranges for people who install hdhport as a library.
LOCK := requirements/lock.txt
BUILD_LOCK := requirements/build.txt
COMPAT_LOCK := requirements/compat-pyyaml.txt
COMPAT := $(VENV)/compat/pyyaml
NPM_LOCK := requirements/npm/package-lock.json
COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 --python-platform linux \
  --custom-compile-command "make lock"
# Debian packages the tests use, with the command that proves each is there and the version it was tested with
DEBIAN_PACKAGES := requirements/debian-packages.txt
SYSTEM_PACKAGES = $(shell awk '!/^\#/ && NF {print $$1 ":" $$2}' $(DEBIAN_PACKAGES))
# Azurite (Azure Storage emulator) from npm, exactly as requirements/npm/package-lock.json says, in a
# project-local folder that git ignores
AZURITE := .tools/node_modules/.bin/azurite-blob
# The procurement diff the demo writes: every shipped profile against today's platform
DIFF_DEMO := --all --baseline azure-francecentral

.DEFAULT_GOAL := help
.PHONY: help install lock drift engine cloud cloud-smoke cloud-test cloud-down system-deps integration-deps e2e demo test test-unit test-integration typecheck schemas golden screenshot bench bench-objects clean

help: ## list every target with what it does
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:[^#]*## /\t/' | awk -F'\t' '{printf "  %-16s %s\n", $$1, $$2}'

# Installed exactly as locked: the installer and build back-ends first (so the one package published only as
# source builds against locked tools, not whatever PyPI serves that day), then every pin with its hash, then
# hdhport itself; a package the lock no longer lists is removed, so the venv is what a fresh clone gets.
$(STAMP): pyproject.toml $(LOCK) $(BUILD_LOCK) $(COMPAT_LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes --no-deps -r $(BUILD_LOCK)
	$(PIP) install --require-hashes --no-deps --no-build-isolation -r $(LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	$(PY) scripts/prune_venv.py $(LOCK)
	rm -rf $(COMPAT) && $(PIP) install --require-hashes --no-deps --target $(COMPAT) -r $(COMPAT_LOCK)
	touch $(STAMP)

install: $(STAMP) ## create .venv and install hdhport with its dependencies exactly as locked (idempotent)

lock: install ## refresh the locks after editing pyproject.toml or requirements/ (pins still allowed are kept); UPGRADE=1 takes the newest
	$(COMPILE) $(if $(UPGRADE),--upgrade) pyproject.toml requirements/tools.in --extra dev --extra migrate -o $(LOCK)
	$(COMPILE) requirements/build.in --constraint $(LOCK) -o $(BUILD_LOCK)
	$(COMPILE) requirements/compat-pyyaml.in -o $(COMPAT_LOCK)
	cd requirements/npm && npm $(if $(UPGRADE),update,install) --package-lock-only --no-audit --no-fund --loglevel=error

drift: install integration-deps ## the tests on the newest versions pyproject.toml allows (no lock, in .venv-drift); names the release that breaks them (TESTS=... for a subset)
	$(PY) scripts/drift.py $(TESTS)

system-deps: ## install the Debian packages the tests use (Chromium, cloud-init, graphviz, the migration servers...), only those missing
	scripts/system-deps.sh $(SYSTEM_PACKAGES)

demo: install system-deps ## the main job on the embedded default: validate, catalogue, coverage, offline plans (3 enclaves), bidder diff
	$(HDH) validate
	$(HDH) catalog list
	$(HDH) profile list
	$(HDH) plan --profile azure-francecentral --enclaves 3
	$(HDH) plan --profile ovhcloud-public-cloud --enclaves 3
	$(HDH) plan --profile scaleway --enclaves 3
	$(HDH) diff $(DIFF_DEMO) --cost --format html --out out/diff/diff.html
	for format in md csv json xlsx; do $(HDH) diff $(DIFF_DEMO) --format $$format --out out/diff/diff.$$format || exit; done
	$(HDH) diff $(DIFF_DEMO) --format questions --out out/diff/questions.md
	$(HDH) diff $(DIFF_DEMO) --weights docs/examples/weights-lots.yaml --lot snds-hosting --format md --out out/diff/lot-snds-hosting.md
	$(HDH) diff $(DIFF_DEMO)

integration-deps: system-deps $(AZURITE) ## install the real servers the integration tests start (Debian packages, Azurite from npm)

$(AZURITE): requirements/npm/package.json $(NPM_LOCK)
	mkdir -p .tools
	cp requirements/npm/package.json $(NPM_LOCK) .tools/
	npm ci --prefix .tools --no-audit --no-fund --loglevel=error
	touch $(AZURITE)

test: install integration-deps typecheck ## run the whole test suite (unit, property-based, integration against real servers, type-check)
	$(PY) -m pytest

test-unit: install ## run the tests that need no real server
	$(PY) -m pytest -m "not integration and not cloud"

test-integration: install integration-deps ## run only the tests against real servers (Azurite, Swift, RabbitMQ, PostgreSQL, Chromium)
	$(PY) -m pytest -m integration

typecheck: install ## type-check the package against the SDKs' own type information (mypy --strict)
	$(PY) -m mypy hdhport providers infra policies bench scripts/e2e/run.py scripts/engine/smoke.py scripts/engine/provider/tokens.py

schemas: install ## regenerate the published JSON Schemas in schemas/
	$(HDH) schema catalog > schemas/catalog.schema.json
	$(HDH) schema profile > schemas/profile.schema.json
	$(PY) -m hdhport.procurement.report > schemas/diff.schema.json

golden: install ## rewrite golden snapshots (tests/golden) and expected messages (tests/data/invalid); review the diff
	HDHPORT_UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/test_invalid_inputs.py tests/test_golden.py

screenshot: install system-deps ## regenerate docs/img/diff-report.png (the README's picture of the HTML diff report) in headless Chromium
	HDHPORT_SCREENSHOT=docs/img/diff-report.png $(PY) -m pytest -q -m integration tests/test_procurement_html.py -k screenshot

bench: install ## measure plan against its floor (1, 55, 500 enclaves), scaling, validate/diff/check times; writes bench/results.json with the object move's figures of bench-objects under "objects" (~30 min: three stacks)
	$(PY) -m bench.run

bench-objects: install ## the verified object move against raw rclone copy, local directories and Azurite -> Swift s3api (small and large objects), as ratios, with a full-move projection, and the peak memory of a 1,000,000-object move and resume against a 10,000-object one; writes bench/objects-results.json (~20 min)
	$(PY) -m bench.objects

engine: install ## build the Pulumi CLI and the bridged OpenStack provider 5.5.3 from the Go module proxy at pinned versions into .tools/engine, then smoke-test both (cold 13-31 min by the machine; warm ~5 s); see scripts/engine/README.md
	scripts/engine/build.sh

cloud: ## start a real OpenStack Zed on 127.0.0.1 shaped like OVHcloud (GRA11, non-admin user, OVH volume types) in .tools/cloud; see scripts/cloud/README.md
	scripts/cloud/up.sh

cloud-smoke: ## create, show and delete every kind of resource on the local cloud as its non-admin user
	scripts/cloud/smoke.sh

cloud-test: install ## hdhport preflight of the shipped OVHcloud stack against the local cloud, as its non-admin user (after make cloud)
	$(PY) -m pytest -m cloud

e2e: engine ## a real pulumi up of the platform (1 enclave) on the local cloud, state in its Swift via S3, then checks (scripts/e2e/run.py); starts the cloud if it is not running and stops it afterwards (KEEP=1: leave the stack up)
	$(PY) scripts/e2e/run.py --manage-cloud $(if $(KEEP),--keep)

cloud-down: ## stop every process of the local cloud by its recorded id
	scripts/cloud/down.sh

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis build *.egg-info
