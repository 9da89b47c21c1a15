#!/usr/bin/env bash
# The admin page in headless Chromium: installs what a fresh machine lacks (Debian's chromium,
# Playwright from PyPI into a venv; Playwright drives the system browser, it downloads none),
# then runs tests/browser/admin_page.py against a demo of the given binary and leaves the
# screenshot at target/browser/admin-page.png.
#
#   tests/browser/run.sh [BRIDGE_BINARY]     (default target/debug/scim-bridge)
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
binary=${1:-target/debug/scim-bridge}
venv=${BROWSER_VENV:-tests/browser/.venv}

if ! command -v chromium >/dev/null 2>&1; then
    echo "installing chromium (apt)"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q chromium
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import playwright" 2>/dev/null; then
    "$venv/bin/pip" install -q -r tests/browser/requirements.txt
fi
mkdir -p target/browser
CHROMIUM="$(command -v chromium)" "$venv/bin/python" tests/browser/admin_page.py \
    "$binary" target/browser/admin-page.png
