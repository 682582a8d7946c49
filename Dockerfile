# Gemba's container image: one static Go binary on distroless, non-root, no shell.
#
#   docker build -t gemba:local --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) .
#   docker run --rm -p 8080:8080 -e GEMBA_DATABASE_URL=postgres://... -e GEMBA_CONSOLE_TOKEN=... gemba:local
#
# The migrations are embedded in the binary (go:embed in migrations/), so the
# image needs no files besides /gemba. `gemba serve` applies them at start under
# a Postgres advisory lock; `gemba migrate up` does it as a one-shot.
# Needs BuildKit (the default builder since Docker 23) for the cache mounts;
# there is deliberately no `# syntax=` line, so no frontend image is pulled
# (air-gapped builders). deploy/image-check.sh builds this file unchanged with
# buildah (no Docker engine) in CI, checks the image and runs its binary; see
# deploy/README.md for Docker, Podman and buildah.

ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

# ---- build: compile on the builder's own platform, cross-compile for the target.
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
# Module downloads: empty means Go's defaults (proxy.golang.org, sum.golang.org).
# Air-gapped builders pass their own, e.g. --build-arg GOPROXY=https://athens.plant.example
# --build-arg GOSUMDB=off. They exist in this stage only, never in the image.
ARG GOPROXY
ARG GOSUMDB
ARG GOFLAGS
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
ARG RUNTIME_IMAGE
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="gemba" \
      org.opencontainers.image.description="Gemba, a Slack assistant for the shop floor that explains why and says what to do next" \
      org.opencontainers.image.source="https://github.com/gemba-ai/gemba" \
      org.opencontainers.image.documentation="https://github.com/gemba-ai/gemba/blob/main/deploy/README.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
COPY --from=build /out/gemba /gemba
# Numeric, so Kubernetes can verify runAsNonRoot without a runAsUser.
USER 65532:65532
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
