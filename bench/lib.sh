# Shared by bench/bridge.sh and bench/sync.sh (source it; not run on its own): builds or finds
# the release binaries, starts the emulator with the custom fields the bridge needs and the
# bridge with one `contacts` connection on it, and stops both (and removes $WORK) on exit.
#
# Environment:
#   EMULATOR_BIN, BRIDGE_BIN  use these binaries instead of building (both or either)
#   CARGO_TARGET_DIR          where `cargo build --release` puts them (default: target)
#   SF_PORT, BR_PORT          the emulator's and the bridge's ports (each script has defaults)

# The fields `scim-bridge setup-org` would create for a Contact connection with groups (as the
# demo's org has them): the key field, the external id field and the disable checkbox, and the
# Campaign and CampaignMember keys.
BENCH_CONTACT_FIELDS=(
  --custom-field Contact.Active__c:checkbox:true
  --custom-field Contact.SCIM_Key__c:text:255:external_id:unique
  --custom-field Contact.SCIM_External_Id__c:text:255:external_id
  --custom-field Campaign.SCIM_Key__c:text:255:external_id:unique
  --custom-field Campaign.SCIM_External_Id__c:text:255:external_id
  --custom-field CampaignMember.SCIM_Key__c:text:255
)

bench_fail() { echo "$(basename "$0"): $*" >&2; exit 2; }

# Sets EMULATOR_BIN and BRIDGE_BIN, building whatever the environment does not name.
bench_binaries() {
  local target="${CARGO_TARGET_DIR:-target}" pkgs=()
  [[ -n "${EMULATOR_BIN:-}" ]] || pkgs+=(-p salesforce-emulator)
  [[ -n "${BRIDGE_BIN:-}" ]] || pkgs+=(-p scim-bridge)
  if ((${#pkgs[@]})); then
    echo "building ${pkgs[*]} (release, target dir $target)" >&2
    cargo build --release -q "${pkgs[@]}" || bench_fail "cargo build failed"
  fi
  EMULATOR_BIN="${EMULATOR_BIN:-$target/release/salesforce-emulator}"
  BRIDGE_BIN="${BRIDGE_BIN:-$target/release/scim-bridge}"
  [[ -x "$EMULATOR_BIN" ]] || bench_fail "no emulator binary at $EMULATOR_BIN"
  [[ -x "$BRIDGE_BIN" ]] || bench_fail "no bridge binary at $BRIDGE_BIN"
}

# Polls a URL until it answers 2xx (about 10 s), or fails naming the log to read.
bench_wait_for() { # url, log file
  for _ in $(seq 100); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "--- $2:" >&2
  tail -20 "$2" >&2 || true
  bench_fail "$1 did not come up"
}

WORK=$(mktemp -d)
SF_PID=""
BR_PID=""
bench_cleanup() {
  local pid
  for pid in "$BR_PID" "$SF_PID"; do
    [[ -n "$pid" ]] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

# Starts the emulator on $SF_PORT (extra arguments go to it); sets SF and SF_PID.
bench_start_emulator() {
  "$EMULATOR_BIN" --port "$SF_PORT" "${BENCH_CONTACT_FIELDS[@]}" "$@" >"$WORK/emulator.log" 2>&1 &
  SF_PID=$!
  SF="http://127.0.0.1:$SF_PORT"
  bench_wait_for "$SF/services/data/" "$WORK/emulator.log"
}

# Stops the emulator started by bench_start_emulator.
bench_stop_emulator() {
  [[ -n "$SF_PID" ]] || return 0
  kill "$SF_PID" 2>/dev/null || true
  wait "$SF_PID" 2>/dev/null || true
  SF_PID=""
}

# Starts `scim-bridge serve` on $BR_PORT with one `contacts` connection (bearer token $1) on
# the emulator at $SF (extra arguments go to serve); sets BR, B (the connection's SCIM base)
# and BR_PID.
bench_start_bridge() {
  local token=$1; shift
  cat >"$WORK/config.toml" <<TOML
listen = "127.0.0.1:$BR_PORT"
[connections.contacts]
record_type = "Contact"
[connections.contacts.salesforce]
domain = "$SF"
client_id = "demo-client-id"
client_secret = "demo-client-secret"
refresh_token = "demo-refresh-token"
[connections.contacts.groups]
[connections.contacts.inbound]
bearer_tokens = ["$token"]
TOML
  RUST_LOG="${RUST_LOG:-warn}" "$BRIDGE_BIN" serve --config "$WORK/config.toml" "$@" >"$WORK/bridge.log" 2>&1 &
  BR_PID=$!
  BR="http://127.0.0.1:$BR_PORT"
  B="$BR/scim/v2/contacts"
  bench_wait_for "$BR/healthz" "$WORK/bridge.log"
}

# Stops the bridge started by bench_start_bridge.
bench_stop_bridge() {
  [[ -n "$BR_PID" ]] || return 0
  kill "$BR_PID" 2>/dev/null || true
  wait "$BR_PID" 2>/dev/null || true
  BR_PID=""
}
