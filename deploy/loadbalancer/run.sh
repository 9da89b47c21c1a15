#!/usr/bin/env bash
# Three `scim-bridge serve` replicas behind HAProxy on one emulated Salesforce: an initial sync
# with a replica killed (SIGKILL) halfway, then a rolling restart under load (replicas.py says
# what each phase claims). Installs HAProxy (Debian package) if missing and builds the debug
# binaries if needed.
#
#   deploy/loadbalancer/run.sh [PEOPLE]      (default 2000)
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
people=${1:-2000}
if ! command -v haproxy >/dev/null 2>&1; then
    echo "installing haproxy (apt)"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q haproxy
fi
haproxy -v | awk 'NR == 1'  # awk reads to the end: head would leave haproxy a closed pipe (SIGPIPE, 141 under pipefail)
cargo build --locked -q -p scim-bridge -p salesforce-emulator --bins
python3 deploy/loadbalancer/replicas.py --bridge target/debug/scim-bridge \
    --emulator target/debug/salesforce-emulator --people "$people"
