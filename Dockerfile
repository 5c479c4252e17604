# One image for the four services (multi-stage). Build: docker build -t btt-backend .
# Run a service: docker run btt-backend node services/gateway/dist/main.js
# syntax=docker/dockerfile:1

FROM node:20-bookworm-slim AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
RUN corepack enable
WORKDIR /app

# Dependencies, cached on the lockfile alone.
FROM base AS deps
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches patches
COPY packages/shared/package.json packages/shared/
COPY packages/payouts/package.json packages/payouts/
COPY packages/tron-devnet/package.json packages/tron-devnet/
COPY packages/cli/package.json packages/cli/
COPY services/indexer/package.json services/indexer/
COPY services/airdrop/package.json services/airdrop/
COPY services/speed-ledger/package.json services/speed-ledger/
COPY services/gateway/package.json services/gateway/
RUN pnpm install --frozen-lockfile

# Prisma clients and compiled workspaces.
FROM deps AS build
COPY tsconfig.base.json turbo.json biome.json ./
COPY infra/prisma infra/prisma
COPY infra/stack infra/stack
COPY packages packages
COPY services services
# The Prisma CLI stays: the `migrate` service runs `prisma migrate deploy` from this image.
RUN pnpm exec turbo run build

# Runtime: compiled code, dependencies, migrations and the Prisma CLI wrapper.
FROM base AS runtime
ENV NODE_ENV=production
COPY --from=build /app /app
USER node
EXPOSE 8080 8081 8082 8083
CMD ["node", "services/gateway/dist/main.js"]
