#!/usr/bin/env bash
# Runs the libFuzzer target (Tests/Fuzz/Target) for a fixed number of inputs, starting from
# the seed command lines in Tests/Fuzz/corpus (one a file, words separated by NUL bytes:
# `tr '\0' ' ' <FILE` shows one), with a dictionary of the option table's names. Prints one
# summary line; a crash, a trap, a broken plan invariant or a hang stops the run, and its input
# is kept under artifacts/ with the command that replays it.
#
#   fuzz.sh FUZZER [RUNS=1000000] [libFuzzer flags...]
set -u
[ $# -ge 1 ] || { echo "usage: fuzz.sh FUZZER [RUNS] [libFuzzer flags...]" >&2; exit 2; }
FUZZER=$(readlink -f "$1") RUNS=${2:-1000000}
shift $(($# >= 2 ? 2 : 1))
SEEDS=$(cd "$(dirname "$0")" && pwd)/corpus

# Beside the fuzzer: a fresh working corpus each run (what libFuzzer adds to the seeds), the
# dictionary, the log, and the artifacts of every run.
WORK=$(dirname "$FUZZER")/fuzz
rm -rf "$WORK/corpus"
mkdir -p "$WORK/corpus" "$WORK/artifacts"
SWCLONE_FUZZ_DICTIONARY=1 "$FUZZER" >"$WORK/options.dict" 2>/dev/null || { echo "fuzz: cannot make the dictionary" >&2; exit 2; }
touch "$WORK/started"

# The Swift runtime's backtracer would take the trap before libFuzzer, which then writes no artifact.
# -max_len: a command line of a few kilobytes reaches every path; longer ones only run slower.
# -timeout: one input taking 10 s is a hang.
start=$(date +%s.%N)
SWIFT_BACKTRACE=enable=no "$FUZZER" -runs="$RUNS" -max_len=4096 -timeout=10 -dict="$WORK/options.dict" \
  -artifact_prefix="$WORK/artifacts/" -print_final_stats=1 "$@" "$WORK/corpus" "$SEEDS" >"$WORK/log" 2>&1
rc=$?
seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/log" | tail -1)
coverage=$(grep -o 'cov: [0-9]*' "$WORK/log" | tail -1 | cut -d' ' -f2)
seed=$(sed -n 's/^INFO: Seed: //p' "$WORK/log" | head -1)
count() { find "$WORK/artifacts" -name "$1-*" -newer "$WORK/started" | wc -l; }
crashes=$(count crash) timeouts=$(count timeout) ooms=$(count oom)

rate=$(awk -v n="${executed:-0}" -v t="$seconds" 'BEGIN { printf "%.0f", (t > 0 ? n / t : n) }')
echo "fuzz: ${executed:-0} inputs in $seconds s ($rate/s), crashes: $crashes, timeouts: $timeouts, out of memory: $ooms;" \
  "coverage: ${coverage:-?} edges, corpus: $(find "$WORK/corpus" -type f | wc -l) new inputs beside $(find "$SEEDS" -type f | wc -l) seeds; seed $seed ($(uname -r))"
if [ $rc != 0 ] || [ $((crashes + timeouts + ooms)) != 0 ]; then
  grep -E 'Precondition failed|Fatal error|ERROR: libFuzzer|SUMMARY' "$WORK/log" | head -5
  for f in $(find "$WORK/artifacts" -newer "$WORK/started" -type f); do
    echo "  input: $(tr '\0' ' ' <"$f" | cut -c1-300)"
    echo "  replay: $FUZZER $f"
  done
  echo "  log: $WORK/log"
  exit 1
fi
