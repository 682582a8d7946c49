#!/usr/bin/env bash
# Installs what the tests need beyond PostgreSQL: headless Chromium for the
# console's browser test (Debian's chromium package) and the Mosquitto MQTT
# broker for the live data connectors' tests (Debian's mosquitto package; the
# tests start their own broker on a free loopback port with their own config,
# so the system service, if the package starts one, is not used). Idempotent; prints
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
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else
    say "need root or passwordless sudo to install: apt-get install ${need[*]} (the console browser test needs chromium, the connector tests mosquitto)"; exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get: install ${need[*]} (Chromium linked at /usr/bin/chromium; mosquitto on the PATH or in /usr/sbin)"; exit 1
fi
say "installing ${need[*]} (headless browser and CJK fonts for the console test; MQTT broker for the connector tests)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
command -v chromium >/dev/null 2>&1 && say "chromium: $(chromium --version 2>/dev/null)"
[ -x /usr/sbin/mosquitto ] && say "mosquitto installed: /usr/sbin/mosquitto"
exit 0
