#!/usr/bin/env bash
# Benchmarks the bridge against the release emulator and prints figures (never pass/fail):
#   - throughput and latency of GET /Users/{id} and of a userName filter (wrk, 16 connections)
#   - Salesforce API requests spent per SCIM operation (from the emulator's counters)
#   - the bridge's resident memory before and after the load
# Usage: bench/bridge.sh [SECONDS]   (needs wrk: apt-get install -y wrk; run from the repo root)
set -euo pipefail
SECS="${1:-10}"
SF_PORT="${SF_PORT:-18766}"
BR_PORT="${BR_PORT:-18767}"
TOKEN="bench-token-0123456789abcdef"
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install -y wrk)" >&2; exit 1; }
cargo build --release -q -p salesforce-emulator -p scim-bridge

WORK=$(mktemp -d)
./target/release/salesforce-emulator --port "$SF_PORT" --workers 1 --daily-limit 1000000000 \
  --custom-field Contact.Active__c:checkbox:true >"$WORK/emulator.log" 2>&1 &
SF_PID=$!
trap 'kill $SF_PID ${BR_PID:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT
SF="http://127.0.0.1:$SF_PORT"
for _ in $(seq 50); do curl -fs "$SF/services/data/" >/dev/null && break; sleep 0.1; done

cat >"$WORK/config.toml" <<TOML
listen = "127.0.0.1:$BR_PORT"
[connections.contacts]
record_type = "Contact"
[connections.contacts.salesforce]
domain = "$SF"
client_id = "demo-client-id"
client_secret = "demo-client-secret"
refresh_token = "demo-refresh-token"
[connections.contacts.inbound]
bearer_tokens = ["$TOKEN"]
TOML
RUST_LOG=warn ./target/release/scim-bridge serve --config "$WORK/config.toml" --workers 1 >"$WORK/bridge.log" 2>&1 &
BR_PID=$!
B="http://127.0.0.1:$BR_PORT/scim/v2/contacts"
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$BR_PORT/healthz" >/dev/null && break; sleep 0.1; done

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

echo
echo "== GET /Users/{id} for ${SECS}s =="
wrk -t1 -c16 -d"${SECS}s" -H "Authorization: Bearer $TOKEN" "$B/Users/$ID" | tee "$WORK/get.txt"
echo "== GET /Users?filter=userName eq … for ${SECS}s =="
wrk -t1 -c16 -d"${SECS}s" -H "Authorization: Bearer $TOKEN" \
  "$B/Users?filter=userName%20eq%20%22ada@example.com%22" | tee "$WORK/filter.txt"
echo
echo "GET by id:     $(awk '/Requests\/sec/ {print $2}' "$WORK/get.txt") req/s"
echo "filter lookup: $(awk '/Requests\/sec/ {print $2}' "$WORK/filter.txt") req/s"
echo "bridge RSS after load: $(rss)"
