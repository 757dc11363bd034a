# fdwmig as a container image: `docker build -t fdwmig .`, then
#   docker run --rm -e FDWMIG_OLD_URL=... -e FDWMIG_NEW_URL=... fdwmig check
# Used by docker-compose.yml and examples/k8s/. The image holds no PostgreSQL client tools:
# `init-new --copy-schema` needs pg_dump, so apply NEW's schema beforehand, or add
# postgresql-client (Debian's 15 dumps OLD 12..15) to the runtime stage.
# The default target is the product alone. The `workload` target (docker-compose.yml's workload
# service) adds fdwmig's developer CLI, for its `workload` command.

# The build stage is pinned to linux/amd64: the dev dependencies include the Linux x64
# PostgreSQL binaries the tests use, and npm refuses to install the project on another platform
# even with dev dependencies omitted (npm/cli#2921). Its output (JavaScript, and the production
# node_modules, which are pure JavaScript) runs on any platform, so the runtime stage is native.
FROM --platform=linux/amd64 node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the prepare script would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json rolldown.config.mjs ./
COPY src src

FROM deps AS build
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# The developer tools (tools/, with the src/ they import) into dist-tools/; only the workload
# target takes them.
FROM deps AS build-tools
COPY tsconfig.tools.json ./
COPY tools tools
RUN npm run build:tools

FROM node:20-slim AS fdwmig
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
COPY sql sql
COPY examples/docker examples/docker
USER node
ENTRYPOINT ["node", "/app/bin/fdwmig.js"]
CMD ["--help"]

# The product image plus the developer CLI. Its workload command needs only the product's
# dependencies (pg, commander), which the image has, and sql/demo/, which it reads from /app/sql.
# The demo command needs the dev dependencies and does not run here.
FROM fdwmig AS workload
COPY --from=build-tools /app/dist-tools dist-tools
ENTRYPOINT ["node", "/app/dist-tools/tools/dev/main.js"]
CMD ["workload", "--help"]

# The default target, being the last stage: the product alone.
FROM fdwmig
