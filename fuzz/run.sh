#!/usr/bin/env bash
# Runs the fuzz targets one after another, each for SECONDS, and prints what each did.
#
#   fuzz/run.sh SECONDS [TARGET...]      # default: every target in fuzz/fuzz_targets
#
# Each target reads its seeds (fuzz/seeds/<t>, committed) and grows a working corpus
# (fuzz/corpus/<t>, ignored by git; libFuzzer writes new inputs to the first directory given).
# A crash leaves its input in fuzz/artifacts/<t>/ and makes the script exit non-zero once all
# targets ran (reproduce with `cargo +nightly fuzz run <t> fuzz/artifacts/<t>/<file>`).
#
# Environment:
#   FUZZ_RUNS=N        also stop a target after N executions (libFuzzer -runs=N)
#   FUZZ_SANITIZER=s   cargo-fuzz sanitizer (default none: the crates forbid unsafe code, and
#                      AddressSanitizer would halve the rate without finding anything more)
#   FUZZ_ARGS="..."    more libFuzzer flags, e.g. "-max_len=8192"
set -u -o pipefail

cd "$(dirname "$0")/.." || exit 2
if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift
if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for f in fuzz/fuzz_targets/*.rs; do
        targets+=("$(basename "$f" .rs)")
    done
fi
sanitizer=${FUZZ_SANITIZER:-none}
extra=()
if [ -n "${FUZZ_RUNS:-}" ]; then
    extra+=("-runs=${FUZZ_RUNS}")
fi
# shellcheck disable=SC2206
extra+=(${FUZZ_ARGS:-})

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz (and rustup toolchain install nightly)" >&2
    exit 2
fi

mkdir -p fuzz/logs
failed=()
summary=()
for t in "${targets[@]}"; do
    if [ ! -f "fuzz/fuzz_targets/$t.rs" ]; then
        echo "no such target: $t" >&2
        failed+=("$t")
        continue
    fi
    mkdir -p "fuzz/corpus/$t" "fuzz/seeds/$t"
    log="fuzz/logs/$t.log"
    echo "== $t: building" >&2
    build_start=$(date +%s)
    if ! cargo +nightly fuzz build -s "$sanitizer" "$t" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        failed+=("$t")
        summary+=("$(printf '%-8s build failed' "$t")")
        continue
    fi
    build_secs=$(($(date +%s) - build_start))
    echo "== $t: fuzzing for ${seconds}s ${extra[*]:-}" >&2
    start=$(date +%s%N)
    cargo +nightly fuzz run -s "$sanitizer" "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${extra[@]}" \
        >>"$log" 2>&1
    status=$?
    wall=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    if [ -z "$execs" ]; then
        # Without final stats (a crash), the last status line: "#N ... exec/s: R ...".
        execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
        rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    fi
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    line=$(printf '%-8s executions %12s  exec/s %8s  fuzz %7.1fs  build %4ss  corpus %5s' \
        "$t" "${execs:-?}" "${rate:-?}" "$wall" "$build_secs" "$corpus")
    if [ $status -ne 0 ]; then
        line="$line  FAILED (exit $status, see $log and fuzz/artifacts/$t/)"
        failed+=("$t")
        grep -m 1 -A 12 -E "panicked at|ERROR: libFuzzer|SUMMARY" "$log" >&2
    fi
    echo "$line" >&2
    summary+=("$line")
done

echo
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}"
    exit 1
fi
