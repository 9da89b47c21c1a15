#!/usr/bin/env bash
# The IdP initial-sync benchmark: for each concurrency level, a fresh release emulator (huge
# daily limit, the key fields SCIM_Key__c / SCIM_External_Id__c and Active__c) and a fresh
# `scim-bridge serve` with one `contacts` connection on it; bench/sync.py then looks up and
# creates N people (GET filter, then POST when absent) and prints wall time, SCIM ops/s,
# Salesforce requests per person, SCIM failures by status, duplicates in Salesforce, the cost
# of a page walk and lone-request p50/p99 (and with --faults, false successes and whether every
# failure is retryable). Figures only: it fails only when the setup does.
#
# Usage (from anywhere; stdlib python3 and curl):
#   bench/sync.sh [--people 10000] [--concurrency 1,16,64] [--faults 0.1] [other sync.py options]
# Environment: EMULATOR_BIN / BRIDGE_BIN (skip the build), CARGO_TARGET_DIR, SF_PORT (18776),
# BR_PORT (18777), SF_WORKERS (emulator workers, 1), BR_WORKERS (bridge workers, 2),
# PYTHON (python3).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
SF_PORT="${SF_PORT:-18776}"
BR_PORT="${BR_PORT:-18777}"
TOKEN="bench-sync-token-0123456789abcdef"
PYTHON="${PYTHON:-python3}"

LEVELS="1,16,64"
PASS=()
while (($#)); do
  case "$1" in
    --concurrency) LEVELS="${2:?--concurrency needs a value}"; shift 2 ;;
    --concurrency=*) LEVELS="${1#*=}"; shift ;;
    *) PASS+=("$1"); shift ;;
  esac
done

# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_binaries
RESULTS="$WORK/results.jsonl"
echo "emulator: $EMULATOR_BIN (${SF_WORKERS:-1} workers), bridge: $BRIDGE_BIN (${BR_WORKERS:-2} workers), $(nproc) cores"
echo

IFS=',' read -r -a levels <<<"$LEVELS"
for c in "${levels[@]}"; do
  bench_start_emulator --workers "${SF_WORKERS:-1}" --daily-limit 1000000000000
  bench_start_bridge "$TOKEN" --workers "${BR_WORKERS:-2}"
  "$PYTHON" bench/sync.py --scim "$B" --token "$TOKEN" --salesforce "$SF" \
    --concurrency "$c" --json-out "$RESULTS" ${PASS[@]+"${PASS[@]}"} \
    || bench_fail "sync.py failed at concurrency $c (bridge log: $(tail -5 "$WORK/bridge.log"))"
  bench_stop_bridge
  bench_stop_emulator
done
"$PYTHON" bench/sync.py --summary "$RESULTS"
