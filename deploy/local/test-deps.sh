#!/usr/bin/env bash
# Installs what the tests need beyond PostgreSQL: headless Chromium for the
# console's browser test (Debian's chromium package). Idempotent; prints what it does.
set -euo pipefail
say() { printf '[test-deps] %s\n' "$*"; }
if [ -x /usr/bin/chromium ] && { ! command -v dpkg >/dev/null 2>&1 || dpkg -s fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1; }; then
  say "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else
    say "need root or passwordless sudo to install chromium (the console browser test needs it): apt-get install chromium"; exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get: install Chromium and link it at /usr/bin/chromium for the console browser test"; exit 1
fi
say "installing chromium and CJK fonts (headless browser for the console test; Korean answers)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null
say "chromium installed: $(chromium --version 2>/dev/null)"
