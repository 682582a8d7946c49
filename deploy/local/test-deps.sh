#!/usr/bin/env bash
# Installs what the tests need beyond PostgreSQL: headless Chromium for the
# console's browser test (Debian's chromium package), the Mosquitto MQTT
# broker for the live data connectors' tests, and VictoriaMetrics for the
# tests of the plant's time-series database as a series source (Debian's
# mosquitto and victoria-metrics packages). The tests start their own broker
# and server on free loopback ports with their own configuration, so the
# packages' system services, if any start, are not used. Idempotent; prints
# what it does.
set -euo pipefail
say() { printf '[test-deps] %s\n' "$*"; }

need=()
if [ -x /usr/bin/chromium ] && { ! command -v dpkg >/dev/null 2>&1 || dpkg -s fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1; }; then
  say "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
else
  need+=(chromium fonts-noto-cjk fonts-noto-color-emoji)
fi
if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then
  say "mosquitto present: $( (/usr/sbin/mosquitto -h 2>/dev/null || true) | head -1)"
else
  need+=(mosquitto)
fi
if [ -n "${GEMBA_VICTORIA_METRICS:-}" ] && [ -x "${GEMBA_VICTORIA_METRICS}" ]; then
  say "victoria-metrics present: ${GEMBA_VICTORIA_METRICS}"
elif command -v victoria-metrics >/dev/null 2>&1; then
  say "victoria-metrics present: $(command -v victoria-metrics)"
else
  need+=(victoria-metrics)
fi
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else
    say "need root or passwordless sudo to install: apt-get install ${need[*]}"
    say "(chromium: the console browser test; mosquitto: the connector tests; victoria-metrics: the series source tests, or set GEMBA_VICTORIA_METRICS)"
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get: install Chromium (linked at /usr/bin/chromium), Mosquitto (on the PATH or in /usr/sbin) and VictoriaMetrics (victoria-metrics on the PATH, or GEMBA_VICTORIA_METRICS=/path/to/victoria-metrics-prod)"
  exit 1
fi
say "installing ${need[*]}"
$SUDO apt-get update -qq
# The packages' own services are not wanted: the tests start their own
# (policy-rc.d in containers already refuses to start them).
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
for p in "${need[@]}"; do
  case "$p" in
    chromium) say "chromium installed: $(chromium --version 2>/dev/null)" ;;
    mosquitto) say "mosquitto installed: $(command -v mosquitto || echo /usr/sbin/mosquitto)" ;;
    victoria-metrics)
      if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet victoria-metrics 2>/dev/null; then
        $SUDO systemctl disable --now victoria-metrics >/dev/null 2>&1 || true
        say "stopped the package's victoria-metrics service (tests run their own)"
      fi
      say "victoria-metrics installed: $(command -v victoria-metrics)" ;;
  esac
done
