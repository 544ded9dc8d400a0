# loadfleet: one image for both roles.
#   docker build -t loadfleet .
#   docker run --rm -p 7878:7878 -p 9464:9464 -e LOADFLEET_JOIN_TOKEN -e LOADFLEET_CONTROL_TOKEN loadfleet coordinator
#   docker run --rm -e LOADFLEET_JOIN_TOKEN -e LOADFLEET_JOIN=HOST:7878 loadfleet agent --allow-target 10.0.0.0/8
# Every flag can also come from LOADFLEET_<FLAG> (README: "Environment variables"). Tokens come from
# the environment or mounted files, never from the image: two secrets, agents get only the join one.

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` compiles, and the sources are not copied yet (better layer caching).
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.browser.json ./
COPY proto ./proto
COPY common ./common
COPY agent ./agent
COPY coordinator ./coordinator
COPY cli ./cli
COPY bin ./bin
RUN npm run build

# ---- runtime: production dependencies and the compiled code only, as a non-root user ----
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY proto ./proto
COPY deploy/docker/healthcheck.js ./deploy/docker/healthcheck.js
# Container defaults: listen on every interface of the container (the coordinator still warns without
# TLS and a token); each role reads only its own variables (coordinator: LISTEN, METRICS; agent: HEALTH).
ENV LOADFLEET_LISTEN=0.0.0.0:7878 \
    LOADFLEET_METRICS=0.0.0.0:9464 \
    LOADFLEET_HEALTH=0.0.0.0:8080
EXPOSE 7878 9464 8080
# The node image's unprivileged user (uid 1000).
USER node
# GET /healthz on the agent's --health or the coordinator's --metrics address, whichever is set.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 CMD ["node", "/app/deploy/docker/healthcheck.js"]
ENTRYPOINT ["node", "/app/bin/loadfleet.js"]
CMD ["--help"]
