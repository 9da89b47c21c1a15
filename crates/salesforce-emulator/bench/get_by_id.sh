#!/usr/bin/env bash
# Measures GET-by-id throughput of the release emulator with wrk (apt-get install wrk).
# Usage: crates/salesforce-emulator/bench/get_by_id.sh [WORKERS] [SECONDS]
# Run from the workspace root. Prints wrk's report and a one-line "GET by id: N req/s".
set -euo pipefail
WORKERS="${1:-1}"
SECONDS_TO_RUN="${2:-10}"
PORT="${PORT:-18765}"
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install -y wrk)" >&2; exit 1; }
cargo build --release -q -p salesforce-emulator
./target/release/salesforce-emulator --port "$PORT" --workers "$WORKERS" --daily-limit 1000000000 >/tmp/sf-emulator-bench.log 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 50); do curl -fs "$BASE/services/data/" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -fs "$BASE/services/oauth2/token" -d grant_type=refresh_token \
  -d client_id=demo-client-id -d client_secret=demo-client-secret -d refresh_token=demo-refresh-token \
  | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
ID=$(curl -fs "$BASE/services/data/v60.0/sobjects/Contact" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d '{"FirstName":"Ada","LastName":"Lovelace","Email":"ada@example.com"}' \
  | sed -E 's/.*"id":"([^"]+)".*/\1/')
URL="$BASE/services/data/v60.0/sobjects/Contact/$ID"
OUT=$(wrk -t1 -c16 -d"${SECONDS_TO_RUN}s" -H "Authorization: Bearer $TOKEN" "$URL")
echo "$OUT"
if echo "$OUT" | grep -q "Non-2xx"; then echo "WARNING: some answers were not 200" >&2; fi
echo "workers=$WORKERS GET by id: $(echo "$OUT" | awk '/Requests\/sec/ {print $2}') req/s"
