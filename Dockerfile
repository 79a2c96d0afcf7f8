# Conclave's image: compiled in a build stage with every dependency, run from a slim stage that holds
# production dependencies, the compiled JavaScript and the SQL migrations, and nothing else.

FROM node:20-bookworm AS build
WORKDIR /app
# Dependencies first, in a layer of their own, so that a source change does not reinstall them. The
# `prepare` script (the build) is skipped here because the sources are not copied yet; it runs below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# The build compiles src/ and scripts/, copies the dashboard's assets, bundles the `conclave` command into
# dist/src/cli.js, and migrates the embedded database's template, for which it reads sql/.
COPY src ./src
COPY scripts ./scripts
COPY sql ./sql
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# The code stays owned by root, so the process cannot rewrite it; migrations are found by walking up from
# dist/ to sql/. Without DATABASE_URL the embedded database needs a directory the process may write.
COPY --from=build /app/dist ./dist
COPY sql ./sql
RUN mkdir /data && chown node:node /data
USER node
EXPOSE 3000
# Ready means the database answers and the migrations are applied; node's own fetch spares installing curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself is PID 1 (not npm), so SIGTERM reaches Conclave's graceful shutdown.
CMD ["node", "dist/src/cli.js", "serve"]
