#!/usr/bin/env bash
# Benchmarks the bridge against the release emulator and prints figures (never pass/fail):
#   - throughput and latency of GET /Users/{id} and of a userName filter (wrk, 16 connections)
#   - Salesforce API requests spent per SCIM operation (from the emulator's counters)
#   - the bridge's resident memory before and after the load
# Usage: bench/bridge.sh [SECONDS]   (needs wrk: apt-get install -y wrk; run from the repo root)
# The emulator gets the fields the bridge needs (SCIM_Key__c, SCIM_External_Id__c, Active__c);
# see bench/lib.sh for EMULATOR_BIN / BRIDGE_BIN / CARGO_TARGET_DIR / SF_PORT / BR_PORT.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
SF_PORT="${SF_PORT:-18766}"
BR_PORT="${BR_PORT:-18767}"
TOKEN="bench-token-0123456789abcdef"
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install -y wrk)" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_binaries

bench_start_emulator --workers 1 --daily-limit 1000000000
bench_start_bridge "$TOKEN" --workers 1

rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$BR_PID/status"; }
calls() { curl -fs "$SF/__emulator/stats" | sed -E 's/.*"api_requests_total":([0-9]+).*/\1/'; }
auth=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/scim+json')
echo "bridge RSS at start: $(rss)"

# Warm the token so the per-operation counts show steady state.
curl -fs "${auth[@]}" "$B/Users?count=1" >/dev/null
measure() { # name, then curl args
  local name=$1; shift
  local before; before=$(calls)
  curl -fs -o "$WORK/out.json" "$@"
  echo "API requests for $name: $(( $(calls) - before ))"
}
measure "lookup (filter userName eq, no match)" "${auth[@]}" "$B/Users?filter=userName%20eq%20%22nobody@example.com%22"
measure "create (new person)" "${auth[@]}" -X POST "$B/Users" -d '{"userName":"ada@example.com","name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"value":"ada@example.com","type":"work"}]}'
ID=$(sed -E 's/.*"id":"([^"]+)".*/\1/' "$WORK/out.json")
measure "GET by id" "${auth[@]}" "$B/Users/$ID"
measure "PUT (one change)" "${auth[@]}" -X PUT "$B/Users/$ID" -d '{"userName":"ada@example.com","name":{"givenName":"Augusta","familyName":"Lovelace"},"emails":[{"value":"ada@example.com","type":"work"}]}'
measure "PUT (no change)" "${auth[@]}" -X PUT "$B/Users/$ID" -d '{"userName":"ada@example.com","name":{"givenName":"Augusta","familyName":"Lovelace"},"emails":[{"value":"ada@example.com","type":"work"}]}'
measure "PATCH active=false" "${auth[@]}" -X PATCH "$B/Users/$ID" -d '{"Operations":[{"op":"replace","path":"active","value":false}]}'
measure "DELETE (remove action disable)" "${auth[@]}" -X DELETE "$B/Users/$ID"

# A DELETE releases the key (the id then answers 404), so the load runs on another person.
curl -fs -o "$WORK/out.json" "${auth[@]}" -X POST "$B/Users" -d '{"userName":"grace@example.com","name":{"givenName":"Grace","familyName":"Hopper"},"emails":[{"value":"grace@example.com","type":"work"}]}'
ID=$(sed -E 's/.*"id":"([^"]+)".*/\1/' "$WORK/out.json")

echo
echo "== GET /Users/{id} for ${SECS}s =="
wrk -t1 -c16 -d"${SECS}s" -H "Authorization: Bearer $TOKEN" "$B/Users/$ID" | tee "$WORK/get.txt"
echo "== GET /Users?filter=userName eq … for ${SECS}s =="
wrk -t1 -c16 -d"${SECS}s" -H "Authorization: Bearer $TOKEN" \
  "$B/Users?filter=userName%20eq%20%22grace@example.com%22" | tee "$WORK/filter.txt"
for f in get filter; do
  if grep -q "Non-2xx" "$WORK/$f.txt"; then echo "WARNING: some $f answers were not 2xx" >&2; fi
done
echo
echo "GET by id:     $(awk '/Requests\/sec/ {print $2}' "$WORK/get.txt") req/s"
echo "filter lookup: $(awk '/Requests\/sec/ {print $2}' "$WORK/filter.txt") req/s"
echo "bridge RSS after load: $(rss)"
