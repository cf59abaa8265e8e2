# The hook server image: non-root, production dependencies only, same entrypoint as `npm start`.
# Build:  docker build -t metahooks:0.1.0 --build-arg BUILD_ID=$(git rev-parse HEAD) .
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ARG BUILD_ID=""
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 METAHOOKS_BUILD_ID=${BUILD_ID}
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY hooks ./hooks
# The node image's unprivileged user (uid 1000), matching the Deployment's securityContext.
USER 1000:1000
EXPOSE 8080
# tsx compiles TypeScript on the fly; its cache goes to /tmp (an emptyDir in the Deployment).
CMD ["node", "--import", "tsx", "hooks/node.ts"]
