#!/usr/bin/env bash
# System packages the test suite needs: Debian's Chromium for the browser tests.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || {
  $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium
}
