# One image for every Boltline process (api, worker, migrations, sandbox); the command picks the role.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json nest-cli.json ./
COPY src src
COPY migrations migrations
COPY scripts scripts
COPY harness harness
COPY bench bench
RUN npx nest build && npm prune --omit=dev

FROM node:24-bookworm-slim
# Debian's Chromium: Playwright's own browser download is not needed (nor reachable everywhere).
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production CHROMIUM_PATH=/usr/bin/chromium HOST=0.0.0.0 ARTIFACT_DIR=/var/lib/boltline/artifacts
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
RUN mkdir -p /var/lib/boltline/artifacts && chown -R node:node /var/lib/boltline
# Never root: Chromium refuses its sandbox as root, and a production worker refuses to run Chromium
# without it (CHROMIUM_SANDBOX, src/engine/browser-check.ts). The sandbox also needs user
# namespaces, which Docker's default seccomp profile refuses: see the worker in docker-compose.yml.
USER node
# tini forwards SIGTERM so workers can finish in-flight submissions before exiting.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
