#!/usr/bin/env bash
# The instructions a launcher's own process runs up to its hand-over, counted by valgrind's
# callgrind: unlike wall time on a shared machine, the count is the same from run to run.
# `make bench` (Tests/Benchmarks/bench.sh) reports it, `make check` (instruction-budget.sh)
# holds swclone to unshare's. Usage: launch-instructions.sh exec|fork LAUNCHER [ARG...];
# prints the count, an integer. Needs valgrind, and root for most namespaces.
#
# whole: the launcher's whole process, for one without symbols to stop at (Debian's bwrap).
# exec: counted up to execve, where the launcher becomes the program. fork: up to the creation
# of the child: swclone's sw_spawn, which makes the clone or clone3 call (valgrind 3.19 answers
# clone3 with ENOSYS, so swclone takes its clone(2) path here), anything else's fork (unshare).
# After the hand-over a launcher only waits for its child, so that is where its work ends.
# Only the launcher's process is counted (--trace-children=no). The stop is an exact name: the
# pattern `*fork` also stops at __unregister_atfork, which glibc's exit calls, so a launcher
# that failed before forking was counted up to its exit.
set -euo pipefail
usage="usage: launch-instructions.sh exec|fork|whole LAUNCHER [ARG...]"
handover=${1:?$usage}
name=${2:?$usage}
shift 2
launcher=$(command -v "$name") || { echo "launch-instructions.sh: $name: not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# valgrind 3.19 cannot read the DWARF 5 that swiftc writes: count a copy without it.
# (awk reads all its input, where grep -q would stop early and fail the pipe under pipefail)
if readelf -S "$launcher" 2>/dev/null | awk '/\.debug_info/ { found = 1 } END { exit !found }'; then
  strip --strip-debug -o "$tmp/$(basename "$launcher")" "$launcher"
  launcher=$tmp/$(basename "$launcher")
fi
case $handover in
  exec) stop=execve ;;
  fork) if nm "$launcher" 2>/dev/null | awk '$3 == "sw_spawn" { found = 1 } END { exit !found }'; then
          stop=sw_spawn
        else
          stop=fork
        fi ;;
  whole) valgrind --tool=callgrind --trace-children=no --dump-instr=no --callgrind-out-file="$tmp/cg.out" \
           "$launcher" "$@" >"$tmp/out" 2>&1 || true
         awk '/^summary:/ { print $2 }' "$tmp/cg.out"
         exit 0 ;;
  *) echo "$usage" >&2; exit 1 ;;
esac

valgrind --tool=callgrind --trace-children=no --dump-instr=no --dump-before="$stop" \
  --callgrind-out-file="$tmp/cg.out" "$launcher" "$@" >"$tmp/out" 2>&1 || true
# The dump made on entering $stop is the first one (a forked child, still under valgrind,
# numbers its own dumps after it). Without it the launcher never reached its hand-over (it
# failed, or the stop is wrong): a count of its whole run would mislead.
grep -qx "desc: Trigger: --dump-before=$stop" "$tmp/cg.out.1" 2>/dev/null || {
  echo "launch-instructions.sh: $name $*: never reached $stop; its output under valgrind:" >&2
  sed 's/^/  /' "$tmp/out" >&2
  exit 1
}
awk '/^summary:/ { print $2 }' "$tmp/cg.out.1"
