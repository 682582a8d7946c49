#!/usr/bin/env bash
# Builds Gemba's container image from the unchanged Dockerfile and runs it,
# with no Docker engine, Kubernetes or registry needed:
#   1. buildah (Debian's package, installed when missing) builds ./Dockerfile
#      with `buildah bud --isolation chroot`: no daemon, no cgroups;
#   2. the base images the Dockerfile names (its GO_IMAGE and RUNTIME_IMAGE
#      defaults) are pulled when the registry answers; otherwise local
#      stand-ins are imported under the same names: the build image from a
#      Debian root filesystem (mmdebstrap --variant=minbase) plus this
#      machine's own Go toolchain, the runtime image with the distroless
#      layout (user nonroot 65532, CA certificates, tzdata, no shell);
#   3. deploy/imagecheck checks the image: entrypoint, command, user, port,
#      OCI labels, size, and its files (the static binary on the base and
#      nothing else: no source, test fakes, shells or secrets);
#   4. the Helm chart is rendered with the built image's name and its pod
#      specs are checked against the image (user, non-root, read-only root,
#      port, probes);
#   5. the image's binary runs from the mounted image root the way the pod
#      spec says (its user, a read-only root, writable only where the chart
#      mounts volumes) against a scratch database of the local PostgreSQL:
#      `gemba migrate up`, `gemba demo seed`, `gemba serve` on a loopback port
#      (probe paths 200, console page and assets load), `gemba ask`; then it
#      is stopped and must exit cleanly.
# Needs root (buildah, chroot, mounts). Base images, the root filesystem and
# buildah's storage are cached in $GEMBA_IMAGE_CACHE; the first run on a
# machine takes a few minutes, later ones well under one. Idempotent; prints
# what it does. Run from anywhere: bash deploy/image-check.sh
#
# Environment:
#   GEMBA_IMAGE_CACHE           cache directory (default ~/.cache/gemba-image-check)
#   GEMBA_IMAGE_BASES           auto (default): pull, else stand-ins; pull: fail without
#                               the registry; standin: never try the registry
#   GEMBA_IMAGE_NAME            name of the built image (default localhost/gemba:check)
#   GEMBA_IMAGE_MAX_MB          size limit in MB (default 40)
#   GEMBA_IMAGE_SHARE_GO_CACHE  1 (default): the Dockerfile's Go cache mounts are this machine's
#                               module and build caches; 0: caches of the check's own in $GEMBA_IMAGE_CACHE
#   GEMBA_DATABASE_URL          PostgreSQL to create the scratch database on (default:
#                               deploy/local/setup.sh, then postgres:///gemba)
#   HELM, GEMBA_HELM_VERSION, GEMBA_KUBE_VERSION   as in deploy/check.sh
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD
say() { printf '[image-check] %s\n' "$*"; }
die() { printf '[image-check] FAIL: %s\n' "$*" >&2; exit 1; }
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"

IMAGE=${GEMBA_IMAGE_NAME:-localhost/gemba:check}
CACHE=${GEMBA_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gemba-image-check}
MAX_MB=${GEMBA_IMAGE_MAX_MB:-40}
BASES=${GEMBA_IMAGE_BASES:-auto}
STORE=$CACHE/storage
RUNROOT=/run/gemba-image-check
STANDIN_LABEL=ai.gemba.image-check.stand-in
# The question `gemba ask` answers from the demo plant.
QUESTION="press 3 is vibrating, what should I do?"

# bh runs buildah on the check's own storage, apart from any other user of
# buildah or podman on the machine.
BH=(buildah --root "$STORE" --runroot "$RUNROOT" --storage-driver "${GEMBA_IMAGE_STORAGE_DRIVER:-overlay}")
bh() { "${BH[@]}" "$@"; }

# --- tools -----------------------------------------------------------------

APT_UPDATED=0
apt_install() { # apt_install PACKAGE...: Debian packages, updating the lists once if needed
  command -v apt-get >/dev/null 2>&1 || die "no apt-get: install $* yourself"
  local policy
  policy=$(apt-cache policy "$@" 2>/dev/null || true)
  if [ "$APT_UPDATED" -eq 0 ] && ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
    say "apt-get update"; apt-get update -qq; APT_UPDATED=1
  fi
  say "apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
    [ "$APT_UPDATED" -eq 0 ] || die "apt-get install $* failed"
    say "apt-get update (the package lists were stale)"; apt-get update -qq; APT_UPDATED=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
  fi
}

find_helm() { # sets HELM the way deploy/check.sh does (it builds bin/helm once)
  if [ -n "${HELM:-}" ]; then return; fi
  if command -v helm >/dev/null 2>&1; then HELM=$(command -v helm); return; fi
  if [ -x bin/helm ]; then HELM=$REPO/bin/helm; return; fi
  local v=${GEMBA_HELM_VERSION:-v3.22.0}
  say "helm not found: building helm $v from the Go module proxy into bin/ (first run only)"
  GOBIN=$REPO/bin GOFLAGS=-buildvcs=false go install "helm.sh/helm/v3/cmd/helm@$v"
  HELM=$REPO/bin/helm
}

debian_mirror() { # the machine's own Debian mirror (as deploy/local/setup.sh finds it)
  local uri=""
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    uri=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1 || true)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(grep -E '^deb ' /etc/apt/sources.list | grep -v security | awk '{print $2}' | head -1 || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# --- base images -------------------------------------------------------------

dockerfile_arg() { sed -n "s/^ARG $1=//p" Dockerfile | head -1; }

qualify() { # the name buildah stores an image under: golang:1 -> docker.io/library/golang:1
  local n=$1 first=${1%%/*}
  if [[ $n != */* ]]; then n=docker.io/library/$n
  elif [[ $first != *.* && $first != *:* && $first != localhost ]]; then n=docker.io/$n; fi
  echo "$n"
}

image_exists() { bh inspect --type image "$1" >/dev/null 2>&1; }
standin_key() { bh inspect --type image --format "{{index .OCIv1.Config.Labels \"$STANDIN_LABEL\"}}" "$1" 2>/dev/null || true; }

rootfs() { # rootfs SUITE: prints the cached Debian minbase root filesystem tarball, making it once
  local suite=$1 tar=$CACHE/rootfs-$1-minbase.tar
  if [ ! -s "$tar" ]; then
    command -v mmdebstrap >/dev/null 2>&1 || apt_install mmdebstrap >&2
    local mirror tmp=$CACHE/rootfs-$$.tar
    mirror=$(debian_mirror)
    say "mmdebstrap --variant=minbase $suite from $mirror (ca-certificates, tzdata, netbase)" >&2
    mmdebstrap --quiet --variant=minbase --include=ca-certificates,tzdata,netbase --mode=root \
      "$suite" "$tmp" "$mirror" </dev/null >&2 || { rm -f "$tmp"; die "mmdebstrap $suite failed"; }
    mv "$tmp" "$tar"
  fi
  echo "$tar"
}

standin_go() { # standin_go NAME KEY SUITE: a Debian root filesystem with this machine's Go toolchain
  local name=$1 key=$2 tar c m goroot
  tar=$(rootfs "$3")
  goroot=$(go env GOROOT)
  say "making stand-in $name: Debian $3 minbase + Go from $goroot ($(go env GOVERSION))"
  c=$(bh from --name "gemba-check-standin-$$" scratch)
  m=$(bh mount "$c")
  tar -C "$m" -xf "$tar"
  mkdir -p "$m/usr/local/go" "$m/go/src" "$m/go/bin"
  chmod -R 1777 "$m/go"
  tar -C "$goroot" --exclude=./test -cf - . | tar -C "$m/usr/local/go" -xf -
  bh umount "$c" >/dev/null
  # The configuration the official golang image has.
  bh config --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env "GOLANG_VERSION=$(go env GOVERSION | sed 's/^go//')" --env GOTOOLCHAIN=local --env GOPATH=/go \
    --workingdir /go --cmd bash --label "$STANDIN_LABEL=$key" "$c"
  bh commit -q --rm "$c" "$name" >/dev/null
}

standin_runtime() { # standin_runtime NAME KEY SUITE: the distroless static nonroot layout, from Debian's files
  local name=$1 key=$2 tar c m
  tar=$(rootfs "$3")
  say "making stand-in $name: distroless layout (nonroot 65532, CA certificates, tzdata, netbase, no shell)"
  c=$(bh from --name "gemba-check-standin-$$" scratch)
  m=$(bh mount "$c")
  tar -C "$m" -xf "$tar" ./etc/ssl/certs/ca-certificates.crt ./usr/share/zoneinfo ./etc/services \
    ./etc/protocols ./etc/debian_version ./usr/lib/os-release
  mkdir -p "$m/tmp" "$m/root" "$m/home/nonroot" "$m/etc"
  chmod 1777 "$m/tmp"; chmod 700 "$m/root" "$m/home/nonroot"; chown 65532:65532 "$m/home/nonroot"
  cp "$m/usr/lib/os-release" "$m/etc/os-release"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$m/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' >"$m/etc/group"
  printf '%s\n' 'hosts: files dns' >"$m/etc/nsswitch.conf"
  bh umount "$c" >/dev/null
  # The configuration of gcr.io/distroless/static-debian12:nonroot.
  bh config --user 65532 --workingdir /home/nonroot \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --label "$STANDIN_LABEL=$key" "$c"
  bh commit -q --rm "$c" "$name" >/dev/null
}

provide_base() { # provide_base NAME go|runtime KEY SUITE: the real image if it can be pulled, else a stand-in
  local name=$1 kind=$2 key=$3 suite=$4 have=""
  if image_exists "$name"; then
    have=$(standin_key "$name")
    if [ -z "$have" ]; then say "base $name: pulled earlier, in the cache"; return; fi
  fi
  if [ "$BASES" != standin ]; then
    if timeout 600 "${BH[@]}" pull --policy always --retry 0 -q "$name" >/dev/null 2>"$WORK/pull.err"; then
      say "base $name: pulled from the registry"; return
    fi
    [ "$BASES" != pull ] || die "cannot pull $name: $(tail -1 "$WORK/pull.err")"
    say "base $name: registry not reachable ($(tail -1 "$WORK/pull.err" | cut -c1-140)); using a local stand-in"
  fi
  if [ "$have" = "$key" ]; then say "base $name: stand-in in the cache ($key)"; return; fi
  "standin_$kind" "$name" "$key" "$suite"
}

# --- running the image's binary ----------------------------------------------

plan_get() { # plan_get ROLE KEY: the values of a plan line, one per line
  awk -v r="$1" -v k="$2" '$1==r && $2==k { print substr($0, length($1) + length($2) + 3) }' "$IC_WORK/plan.txt"
}

exec_gemba() { # exec_gemba ROLE [VAR=VALUE...] -- ARGS...: becomes /gemba run from the read-only
  # image root as ROLE's pod would run it (user, working directory, environment). It replaces the
  # calling shell, so call it in a subshell: $(...), &, or bash -c.
  local role=$1; shift
  local -a env=()
  while IFS= read -r kv; do env+=("$kv"); done < <(plan_get "$role" env)
  while [ "$1" != -- ]; do env+=("$1"); shift; done
  shift
  local uid gid wd
  read -r uid gid < <(plan_get "$role" user)
  wd=$(plan_get "$role" workdir)
  exec env -i "${env[@]}" GEMBA_DATABASE_URL="$IC_DB_URL" \
    "$(command -v unshare)" --root="$IC_WORK/view-$role" --wd="${wd:-/}" --setgid "$gid" --setuid "$uid" /gemba "$@"
}

make_view() { # make_view ROLE: the image root as ROLE's pod sees it, at $IC_WORK/view-ROLE
  local view=$IC_WORK/view-$1 p
  mkdir -p "$view"
  mount --bind "$IC_ROOT" "$view"
  mount -o remount,bind,ro "$view"  # readOnlyRootFilesystem
  mount -t proc proc "$view/proc"
  mount -t tmpfs -o mode=755,size=64k tmpfs "$view/dev"
  for p in null zero full random urandom; do touch "$view/dev/$p"; mount --bind "/dev/$p" "$view/dev/$p"; done
  # The volumes the chart mounts (emptyDir): the only writable places.
  while IFS= read -r p; do mount -t tmpfs -o mode=1777,size=256m tmpfs "$view$p"; done < <(plan_get "$1" writable)
  # Even root cannot write to the view outside those volumes.
  if touch "$view/.image-check-probe" 2>/dev/null; then die "the image root is writable: the read-only mount failed"; fi
}

in_image() { # runs in a private mount namespace (main, step 7): mounts the views, runs the binary
  local p
  # Mount points a container runtime provides, made in the container's own
  # writable layer (never in the image, which was checked before).
  mkdir -p "$IC_ROOT/proc" "$IC_ROOT/dev"
  while IFS= read -r p; do mkdir -p "$IC_ROOT$p"; done < <(plan_get server writable; plan_get job writable)
  make_view server
  make_view job
  # Whatever fails below, the server does not outlive the check.
  trap '[ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true' EXIT

  local out
  out=$(exec_gemba server -- version) || die "gemba version failed"
  say "gemba version: $out"
  [[ $out == "gemba $IC_VERSION "* ]] || die "gemba version reports '$out', want the build's VERSION $IC_VERSION"

  say "gemba migrate up (as the migration Job runs it)"
  timeout 300 bash -c "$(declare -f plan_get exec_gemba); exec_gemba job -- migrate up" >"$IC_WORK/migrate.log" 2>&1 \
    || { tail -20 "$IC_WORK/migrate.log" >&2; die "gemba migrate up failed in the image"; }
  tail -1 "$IC_WORK/migrate.log" | sed 's/^/[image-check]   /'

  say "gemba demo seed"
  timeout 300 bash -c "$(declare -f plan_get exec_gemba); exec_gemba server -- demo seed" >"$IC_WORK/seed.log" 2>&1 \
    || { tail -20 "$IC_WORK/seed.log" >&2; die "gemba demo seed failed in the image"; }
  grep -E '^demo (plant|documents):' "$IC_WORK/seed.log" | sed 's/^/[image-check]   /'

  say "gemba serve on 127.0.0.1:$IC_PORT"
  exec_gemba server GEMBA_HTTP_ADDR="127.0.0.1:$IC_PORT" -- serve >"$IC_WORK/serve.log" 2>&1 &
  local pid=$!
  SERVER_PID=$pid
  local live ready
  live=$(plan_get server probe | awk '$1=="startup" || $1=="liveness" {print $2}' | sort -u | paste -sd, -)
  ready=$(plan_get server probe | awk '$1=="readiness" {print $2}' | sort -u | paste -sd, -)
  if ! "$IC_WORK/imagecheck" serve -url "http://127.0.0.1:$IC_PORT" -live "$live" -ready "$ready" -page / -pid "$pid" -timeout 90s 2>&1 \
    | sed 's/^/[image-check] /'; then
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    tail -30 "$IC_WORK/serve.log" >&2; die "the server from the image did not come up"
  fi

  say "gemba ask \"$QUESTION\""
  if ! timeout 120 bash -c "$(declare -f plan_get exec_gemba); exec_gemba server -- ask --json \"\$1\"" _ "$QUESTION" \
    >"$IC_WORK/ask.json" 2>"$IC_WORK/ask.log"; then
    tail -20 "$IC_WORK/ask.log" >&2; kill "$pid" 2>/dev/null || true; die "gemba ask failed in the image"
  fi
  "$IC_WORK/imagecheck" answer <"$IC_WORK/ask.json" 2>&1 | sed 's/^/[image-check] /' || { kill "$pid" 2>/dev/null || true; die "gemba ask gave no usable answer"; }

  say "stopping the server (SIGTERM)"
  kill -TERM "$pid"
  local rc=0 waited=0
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 60 ]; do sleep 0.5; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; die "the server did not stop within 30 s of SIGTERM"; fi
  wait "$pid" || rc=$?
  SERVER_PID=""
  [ "$rc" -eq 0 ] || { tail -20 "$IC_WORK/serve.log" >&2; die "the server exited with status $rc after SIGTERM"; }
  if grep -E '"level":"ERROR"|read-only file system|permission denied' "$IC_WORK"/{migrate,seed,serve,ask}.log >"$IC_WORK/errors.txt"; then
    cut -c1-300 "$IC_WORK/errors.txt" >&2
    die "the binary logged errors while running from the image (above)"
  fi
  say "server stopped cleanly; no errors, nothing written outside the chart's volumes"
}

# --- main ----------------------------------------------------------------------

free_port() { # a loopback TCP port nothing listens on
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free loopback port found"
}

CONTAINERS=()
DB_CREATED=""
LAPS=""
LAP_T=$SECONDS
lap() { LAPS+="${LAPS:+, }$1 $((SECONDS - LAP_T))s"; LAP_T=$SECONDS; } # lap NAME: time since the previous lap
cleanup() {
  local c
  for c in "${CONTAINERS[@]}"; do bh rm "$c" >/dev/null 2>&1 || true; done
  if [ -n "$DB_CREATED" ]; then
    psql "$ADMIN_URL" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "DROP ROLE IF EXISTS $DB_NAME" >/dev/null 2>&1 \
      || say "could not drop the scratch database $DB_NAME and role (drop them by hand)"
  fi
  rm -rf "$WORK"
}

main() {
  [ "$(uname -s)" = Linux ] || die "needs Linux (buildah, chroot and mount namespaces)"
  [ "$(id -u)" -eq 0 ] || die "needs root: buildah builds with --isolation chroot and the binary runs in a chroot (try sudo)"
  local t0=$SECONDS
  mkdir -p "$CACHE" "$RUNROOT"
  exec 9>"$CACHE/lock"
  flock -w 1200 9 || die "another image check holds $CACHE/lock"
  WORK=$(mktemp -d /tmp/gemba-image-check.XXXXXX)
  trap cleanup EXIT

  # 1. Tools.
  command -v buildah >/dev/null 2>&1 || apt_install buildah
  say "$(buildah --version)"
  bh rm --all >/dev/null 2>&1 || true # containers a killed earlier run left
  say "building deploy/imagecheck"
  go build -o "$WORK/imagecheck" ./deploy/imagecheck
  local fakes
  fakes=$(go list -deps ./cmd/gemba | grep -E '/(slackfake|llmtest|loadtest|consoletest|dbtest)$' || true)
  [ -z "$fakes" ] || die "./cmd/gemba imports test packages: $fakes"
  say "go list -deps ./cmd/gemba: no slackfake, llmtest, loadtest, consoletest or dbtest"
  lap tools

  # 2. Base images, under the names the Dockerfile uses.
  local go_image runtime_image suite tagver
  go_image=$(qualify "$(dockerfile_arg GO_IMAGE)")
  runtime_image=$(qualify "$(dockerfile_arg RUNTIME_IMAGE)")
  [ "$go_image" != docker.io/library/ ] && [ "$runtime_image" != docker.io/library/ ] \
    || die "the Dockerfile has no 'ARG GO_IMAGE=' or 'ARG RUNTIME_IMAGE=' default"
  suite=${go_image##*-}; [[ $suite =~ ^[a-z]+$ ]] || suite=bookworm
  tagver=${go_image##*:}; tagver=${tagver%%-*}
  if [ "$BASES" != pull ] && ! image_exists "$go_image" && [[ $(go env GOVERSION) != "go$tagver"* ]]; then
    say "note: this machine's $(go env GOVERSION) does not match $go_image; a stand-in would need Go $tagver"
  fi
  provide_base "$go_image" go "$(go env GOVERSION) $suite minbase v1" "$suite"
  if [ -n "$(standin_key "$go_image")" ] && [[ $(go env GOVERSION) != "go$tagver"* ]]; then
    die "$go_image cannot be pulled and this machine's Go is $(go env GOVERSION), not $tagver: install Go $tagver or reach the registry"
  fi
  provide_base "$runtime_image" runtime "distroless-static $suite v1" "$suite"
  lap "base images"

  # 3. Build the real Dockerfile.
  local version revision modcache goproxy
  version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
  revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  # The Dockerfile's cache mounts live in buildah's cache directory under
  # $TMPDIR ($TMPDIR/buildah-cache/TARGET for a mount without id=, as
  # Debian's buildah 1.28 keeps them), so in $CACHE between runs. By default
  # the Go ones are this machine's own caches: the module cache and the
  # build cache, which is content-addressed (-trimpath keeps paths out of
  # its keys), so the image is the same as from a cold build, only sooner.
  # Should another buildah keep its cache elsewhere, the build just runs cold.
  mkdir -p "$CACHE/tmp"
  local target src link
  for target in $(grep -o 'type=cache,target=[^ ,]*' Dockerfile | sed 's/.*target=//' | sort -u); do
    case $target in
      */pkg/mod) src=$(go env GOMODCACHE) ;;
      */go-build) src=$(go env GOCACHE) ;;
      *) continue ;;
    esac
    link=$CACHE/tmp/buildah-cache$target
    if [ "${GEMBA_IMAGE_SHARE_GO_CACHE:-1}" = 1 ]; then
      mkdir -p "$src" "$(dirname "$link")"
      [ "$(readlink "$link" 2>/dev/null)" = "$src" ] || { rm -rf "$link"; ln -s "$src" "$link"; }
      say "cache mount $target: this machine's $src"
    elif [ -L "$link" ]; then
      rm "$link"
    fi
  done
  # Modules this machine has are also offered through a read-only file
  # proxy, at a path of its own; the rest come from its GOPROXY.
  modcache=$(go env GOMODCACHE)/cache/download
  local -a vols=()
  goproxy=$(go env GOPROXY)
  if [ -d "$modcache" ]; then
    vols+=(-v "$modcache:/run/gemba-host-modcache:ro")
    goproxy=file:///run/gemba-host-modcache,$goproxy
  fi
  # The machine's trust store, for module downloads through an intercepting proxy.
  [ ! -s /etc/ssl/certs/ca-certificates.crt ] || vols+=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)
  say "buildah bud --isolation chroot -t $IMAGE (VERSION=$version)"
  if ! TMPDIR=$CACHE/tmp bh bud --isolation chroot --pull=never -f Dockerfile -t "$IMAGE" \
    --build-arg TARGETOS=linux --build-arg "TARGETARCH=$(go env GOARCH)" \
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
    --build-arg "GOPROXY=$goproxy" --build-arg "GOSUMDB=$(go env GOSUMDB)" --build-arg "GOFLAGS=$(go env GOFLAGS)" \
    "${vols[@]}" . 2>&1 9>&- | sed 's/^/[image-check] | /'; then
    die "buildah bud failed (above)"
  fi
  bh rmi --prune >/dev/null 2>&1 || true # the previous check's image, now untagged
  say "built $IMAGE: $(bh images --format '{{.Size}}' "$IMAGE" | head -1) in buildah's storage"
  lap build

  # 4. Check the image: configuration, files, binary.
  local ic bc iroot broot
  bh inspect --type image "$IMAGE" >"$WORK/config.json"
  ic=$(bh from --pull=never --name "gemba-check-image-$$" "$IMAGE"); CONTAINERS+=("$ic")
  bc=$(bh from --pull=never --name "gemba-check-base-$$" "$runtime_image"); CONTAINERS+=("$bc")
  iroot=$(bh mount "$ic"); broot=$(bh mount "$bc")
  "$WORK/imagecheck" image -config "$WORK/config.json" -root "$iroot" -base "$broot" -facts "$WORK/facts.json" \
    -max-mb "$MAX_MB" -version "$version" -revision "$revision" 2>&1 | sed 's/^/[image-check] /' \
    || die "the image check failed (above)"
  lap "image check"

  # 5. The Helm chart against the image.
  find_helm
  local kube=${GEMBA_KUBE_VERSION:-1.30.0}
  say "helm template with image $IMAGE (and a database URL, so the migration Job renders)"
  "$HELM" template gemba deploy/helm/gemba --namespace gemba --kube-version "$kube" \
    --set "image.repository=${IMAGE%:*}" --set "image.tag=${IMAGE##*:}" \
    --set database.url=postgres://gemba@db.example:5432/gemba >"$WORK/rendered.yaml" || die "helm template failed"
  "$WORK/imagecheck" chart -facts "$WORK/facts.json" -image "$IMAGE" -plan "$WORK/plan.txt" <"$WORK/rendered.yaml" 2>&1 \
    | sed 's/^/[image-check] /' || die "the chart does not fit the image (above)"
  lap chart

  # 6. A scratch database and role on the local PostgreSQL.
  if [ -n "${GEMBA_DATABASE_URL:-}" ]; then
    ADMIN_URL=$GEMBA_DATABASE_URL
  else
    bash deploy/local/setup.sh | sed 's/^/[image-check] /'
    ADMIN_URL=postgres:///gemba
  fi
  DB_NAME=gemba_image_check_$$_$RANDOM
  local pw host port
  pw=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  say "scratch database and role $DB_NAME (pgvector and pg_trgm created by the administrator, as deploy/README.md describes)"
  DB_CREATED=1
  psql "$ADMIN_URL" -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "cannot create the scratch database on $ADMIN_URL"
CREATE ROLE $DB_NAME LOGIN PASSWORD '$pw';
CREATE DATABASE $DB_NAME OWNER $DB_NAME;
\connect $DB_NAME
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
  read -r host port < <(psql "$ADMIN_URL" -qXtA -F ' ' -c "SELECT coalesce(host(inet_server_addr()), '127.0.0.1'), current_setting('port')")

  lap database

  # 7. Run the binary from the image, in a private mount namespace.
  export IC_ROOT=$iroot IC_WORK=$WORK IC_VERSION=$version IC_PORT
  export IC_DB_URL="postgres://$DB_NAME:$pw@$host:$port/$DB_NAME"
  IC_PORT=$(free_port)
  unshare --mount --propagation private --fork -- "$REPO/deploy/image-check.sh" --in-image 9>&- \
    || die "running the image's binary failed (above)"
  lap run
  say "timing: $LAPS"
  say "ok: image $IMAGE, $(awk -F': ' '/"bytes"/ {gsub(/,/, "", $2); printf "%.1f MB", $2/1e6}' "$WORK/facts.json"), check took $((SECONDS - t0))s"
}

if [ "${1:-}" = --in-image ]; then
  in_image
else
  main "$@"
fi
