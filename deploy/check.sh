#!/usr/bin/env bash
# Checks the deployment artefacts without Docker or a cluster:
#   1. the Helm CLI (built from the Go module proxy into bin/ when missing);
#   2. `helm lint --strict` and `helm template` of deploy/helm/gemba with the
#      default values and each value set in deploy/helm/ci-values/, every
#      rendered document checked by deploy/yamlcheck (parses, has apiVersion,
#      kind and name; the kinds a value set's "# expect:" / "# forbid:" lines
#      name are / are not rendered); helm lint also renders NOTES.txt;
#   3. a build with the Dockerfile's flags, checked by deploy/elfcheck to be
#      statically linked (what the distroless static image can run).
# Idempotent; prints what it does. After the first run (helm build, a few
# minutes) it takes seconds. Run from anywhere: bash deploy/check.sh
set -euo pipefail

cd "$(dirname "$0")/.."
say() { printf '[deploy-check] %s\n' "$*"; }
die() { printf '[deploy-check] FAIL: %s\n' "$*" >&2; exit 1; }

HELM_VERSION=${GEMBA_HELM_VERSION:-v3.22.0}
# helm template otherwise assumes the Kubernetes version compiled into the
# binary, which is v1.20 for a `go install` build; the chart needs >= 1.25.
KUBE_VERSION=${GEMBA_KUBE_VERSION:-1.30.0}
CHART=deploy/helm/gemba
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Helm.
if [ -n "${HELM:-}" ]; then
  say "using helm from \$HELM: $HELM"
elif command -v helm >/dev/null 2>&1; then
  HELM=$(command -v helm)
  say "using helm on PATH: $HELM"
elif [ -x bin/helm ]; then
  HELM=$PWD/bin/helm
  say "using cached $HELM"
else
  say "helm not found: building helm $HELM_VERSION from the Go module proxy into bin/ (first run only, a few minutes)"
  GOBIN=$PWD/bin GOFLAGS=-buildvcs=false go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  HELM=$PWD/bin/helm
fi
"$HELM" version --short 2>/dev/null | sed 's/^/[deploy-check] helm /' || true

say "building deploy/yamlcheck and deploy/elfcheck"
go build -o "$work/yamlcheck" ./deploy/yamlcheck
go build -o "$work/elfcheck" ./deploy/elfcheck

# 2. Lint and render each value set.
field() { # field NAME FILE: the comma list after "# NAME:" in FILE, or nothing
  sed -n "s/^# $1:[[:space:]]*//p" "$2" | head -n1
}
render() { # render LABEL [helm args...]
  local label=$1; shift
  local expect=${EXPECT:-} forbid=${FORBID:-}
  say "helm lint --strict $label"
  "$HELM" lint --strict --kube-version "$KUBE_VERSION" "$CHART" "$@" >"$work/lint.out" 2>&1 \
    || { cat "$work/lint.out" >&2; die "helm lint $label"; }
  say "helm template $label | yamlcheck${expect:+ -expect $expect}${forbid:+ -forbid $forbid}"
  "$HELM" template gemba "$CHART" --namespace gemba --kube-version "$KUBE_VERSION" "$@" >"$work/rendered.yaml" \
    || die "helm template $label"
  "$work/yamlcheck" -expect "$expect" -forbid "$forbid" <"$work/rendered.yaml" | sed 's/^/[deploy-check]   /' \
    || die "rendered YAML of $label"
}
# The defaults configure no database: the server objects render, the
# migration Job and the Secret do not.
EXPECT="Deployment,Service,ConfigMap,ServiceAccount,PodDisruptionBudget" FORBID="Job,Secret,Ingress" \
  render "(default values)"
shopt -s nullglob
sets=(deploy/helm/ci-values/*.yaml)
[ ${#sets[@]} -gt 0 ] || die "no value sets in deploy/helm/ci-values/"
for f in "${sets[@]}"; do
  EXPECT=$(field expect "$f") FORBID=$(field forbid "$f") render "-f $f" -f "$f"
done

# 3. Static binary with the Dockerfile's build flags.
out=${GEMBA_STATIC_OUT:-/tmp/gemba-static}
say "CGO_ENABLED=0 go build -trimpath -ldflags \"-s -w -X .../internal/app.Version=check\" -o $out ./cmd/gemba"
CGO_ENABLED=0 go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X github.com/gemba-ai/gemba/internal/app.Version=check" -o "$out" ./cmd/gemba
"$work/elfcheck" "$out" | sed 's/^/[deploy-check] /' || die "$out is not static"
"$out" version | grep -q '^gemba check ' || die "$out version does not report the -X version"
say "$out version: $("$out" version)"

say "ok"
