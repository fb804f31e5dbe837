# syntax=docker/dockerfile:1.7
# Multi-stage: install and build once, then a small runtime image with production dependencies only,
# running as the unprivileged `node` user. `--target web` builds nginx with the SPA baked in.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS app
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
# The README's `npm run migrate` / `npm run seed` run the compiled scripts here (no tsx in this image).
RUN npm pkg set scripts.migrate="node dist/db/migrate.js" scripts.seed="node dist/db/seed.js" scripts.start="node dist/backend/src/main.js"
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Migrations run once per deploy (the compose `migrate` service), never by every worker.
CMD ["node", "dist/backend/src/main.js"]

FROM nginx:1.27-alpine AS web
# The stock default server would answer every request that names no host of ours with its own 404s.
RUN rm -f /etc/nginx/conf.d/default.conf
COPY nginx/templates/ /etc/nginx/templates/
COPY --from=build /app/dist/frontend /usr/share/nginx/html
ENV NGINX_LISTEN=80 \
    NGINX_STATUS_LISTEN=8081 \
    STATIC_ROOT=/usr/share/nginx/html
