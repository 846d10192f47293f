# rlhf-loop: `make demo` runs the loop, `make test` runs everything. Both set themselves up.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export ONNXRUNTIME_NODE_INSTALL_CUDA := skip
MODE ?= embedded
NPM_STAMP := node_modules/.install-stamp
KAFKA_LIBS := infra/kafka/target/libs/.fetched

.PHONY: audit kustomize help setup build lint test test-unit test-integration up down status demo bench reliability proto clean

help:
	@echo "make demo        run the loop on the embedded default (MODE=cluster for Kafka + processes)"
	@echo "make test        start Kafka and Postgres, run every test, stop them"
	@echo "make reliability faults, soak and security on an isolated Kafka + Postgres (.run/reliability), one table"
	@echo "make setup|build|lint|up|down|status|bench|proto|clean"

$(NPM_STAMP): package.json package-lock.json $(wildcard proto/package.json services/*/package.json services/lib/*/package.json)
	npm ci --no-audit --no-fund
	@touch $@

$(KAFKA_LIBS): infra/kafka/pom.xml
	cd infra/kafka && mvn -q -B package
	@touch $@

# Debian's Chromium drives the browser tests (the widget); installed once per machine.
/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing: install Debian's chromium package (sudo apt-get install chromium)"; exit 1; fi

# Debian's prometheus package brings promtool, which checks the metrics exposition and the alert rules.
/usr/bin/promtool:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	else echo "promtool is missing: install Debian's prometheus package (sudo apt-get install prometheus)"; exit 1; fi

# The k8s tests render the overlays with kustomize: kubectl's built-in one, or one built from the Go proxy.
kustomize:
	@command -v kubectl >/dev/null || command -v kustomize >/dev/null || [ -x .run/bin/kustomize ] || bash k8s/tools/install-kustomize.sh

setup: $(NPM_STAMP) $(KAFKA_LIBS)

build: $(NPM_STAMP)
	npx tsc --build

proto: $(NPM_STAMP)
	cd proto && PATH="$$PWD/node_modules/.bin:$$PATH" npx buf lint && PATH="$$PWD/node_modules/.bin:$$PATH" npx buf generate

lint: $(NPM_STAMP)
	cd proto && npx buf lint
	npx eslint .

test: setup /usr/bin/chromium /usr/bin/promtool kustomize build lint
	bash scripts/test.sh

test-unit: $(NPM_STAMP)
	node scripts/run-tests.mjs unit

test-integration: setup
	bash scripts/test.sh integration

up: setup
	bash infra/stack.sh up

down:
	bash infra/stack.sh down

status:
	bash infra/stack.sh status

demo: setup
	bash scripts/demo.sh $(MODE)

bench: setup build
	bash scripts/bench.sh

# Minutes long: restarts its own broker and Postgres (never the dev stack), so not part of `make test`.
reliability: setup
	bash scripts/reliability.sh

clean:
	bash infra/stack.sh down || true
	rm -rf node_modules */node_modules services/*/node_modules services/lib/*/node_modules .run reports infra/kafka/target
	find . -name dist -type d -prune -not -path './node_modules/*' -exec rm -rf {} +

# npm audit --omit=dev at level high (needs the npm advisory service; exits 2 when it cannot be reached).
audit: $(NPM_STAMP)
	bash scripts/audit.sh
