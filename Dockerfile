# Gemba's container image: one static Go binary on distroless, non-root, no shell.
#
#   docker build -t gemba:local --build-arg VERSION=$(git describe --tags --always) .
#   docker run --rm -p 8080:8080 -e GEMBA_DATABASE_URL=postgres://... -e GEMBA_CONSOLE_TOKEN=... gemba:local
#
# The migrations are embedded in the binary (go:embed in migrations/), so the
# image needs no files besides /gemba. `gemba serve` applies them at start under
# a Postgres advisory lock; `gemba migrate up` does it as a one-shot.
# Needs BuildKit (the default builder since Docker 23) for the cache mounts;
# there is deliberately no `# syntax=` line, so no frontend image is pulled
# (air-gapped builders). The same build flags are checked without Docker by
# deploy/check.sh and deploy/deploy_test.go (CGO_ENABLED=0, no ELF interpreter).

ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

# ---- build: compile on the builder's own platform, cross-compile for the target.
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/gemba-ai/gemba/internal/app.Version=${VERSION}" \
      -o /out/gemba ./cmd/gemba

# ---- runtime: CA certificates and tzdata included, user 65532 (nonroot), no shell.
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/gemba /gemba
USER nonroot:nonroot
# In a container Gemba must listen on all interfaces; the local console then
# requires GEMBA_CONSOLE_TOKEN. Logs are JSON on stdout.
ENV GEMBA_HTTP_ADDR=0.0.0.0:8080 \
    GEMBA_LOG_FORMAT=json
EXPOSE 8080
# No HEALTHCHECK: distroless has no shell or curl to run one. Orchestrators
# probe the HTTP endpoints instead: GET /healthz (liveness) and GET /readyz
# (readiness: database, migrations, Slack) — see deploy/helm/gemba and
# deploy/compose.yaml.
ENTRYPOINT ["/gemba"]
CMD ["serve"]
