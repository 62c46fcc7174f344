#!/usr/bin/env bash
# `make bench`: swclone against util-linux unshare and bubblewrap doing the same work.
# Prints one Markdown table: median wall time from ONE hyperfine run (the machine is noisy,
# so only ratios measured together mean anything), the instructions of the launcher's own
# process (callgrind), and peak RSS. Usage: bench.sh SWCLONE [RUNS]. Needs root.
set -euo pipefail
swclone=$(realpath "${1:?usage: bench.sh SWCLONE [RUNS]}")
runs=${2:-300}
# hyperfine runs one command's runs back to back; the machine's speed drifts, which favours
# whichever command ran in a fast spell (ratios moved by ±0.1 between runs). So the run goes
# round every command `rounds` times, runs/rounds runs a turn, and a median is over all of a
# command's turns: ratios then agree within ±0.03 between runs and with a run-by-run A/B.
rounds=30
[ "$(id -u)" = 0 ] || { echo "bench.sh: run as root (the launches create namespaces)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Timed as `make install` installs it: stripped, then copied in one sequential write.
mkdir "$tmp/installed"
strip -o "$tmp/stripped" "$swclone"
install -m 755 "$tmp/stripped" "$tmp/installed/swclone"
installed=$tmp/installed/swclone

# One row per kind of work: label | options given to swclone and unshare alike |
# bubblewrap's nearest equivalent ("" when it cannot do that work) | where the launcher
# hands over (exec: it becomes the program; fork: it creates a child and waits) |
# unshare's options when they are not swclone's ("-": unshare cannot do that work).
rows=(
  "pid + mount, --mount-proc, fork|--pid --mount --mount-proc --fork|--unshare-pid --dev-bind / / --proc /proc|fork"
  "user, --map-root-user, in place|--user --map-root-user|--unshare-user --uid 0 --gid 0 --dev-bind / /|exec"
  "all eight, --mount-proc, fork|--pid --mount --uts --ipc --net --user --map-root-user --cgroup --time --mount-proc --fork||fork"
  "uts, in place|--uts||exec"
  "CI sandbox: a read-only host, proc, dev, tmpfs (the same bwrap command line)|--unshare-all --ro-bind / / --proc /proc --dev /dev --tmpfs /tmp|--unshare-all --ro-bind / / --proc /proc --dev /dev --tmpfs /tmp|fork|-"
)
program=/bin/true
# What a transient cgroup costs a launch (--pids-max makes one; on hybrid hosts a cgroup v2 one
# holding the tree and a v1 pids one): swclone against itself without it, in the same run.
plain_fork="--fork"
cgroup_fork="--fork --pids-max 1000"

commands=()
for ((round = 0; round < rounds; round++)); do
  for row in "${rows[@]}"; do
    IFS='|' read -r _ opts bw _ un_opts <<<"$row"
    commands+=("$installed $opts $program")
    [ "$un_opts" != - ] && commands+=("unshare ${un_opts:-$opts} $program")
    [ -n "$bw" ] && commands+=("bwrap $bw $program")
  done
  commands+=("$installed $plain_fork $program" "$installed $cgroup_fork $program")
done
hyperfine -N --style none --warmup 3 --runs $((runs / rounds)) --export-json "$tmp/times.json" "${commands[@]}" \
  >/dev/null 2>"$tmp/hyperfine.err" || { cat "$tmp/hyperfine.err" >&2; exit 1; }

median_ms() {  # median wall time of one command over all its turns in the hyperfine run, in ms
  jq -r --arg c "$1" '[.results[] | select(.command == $c) | .times[]] | sort
    | (if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end)
    | . * 1000 | . * 100 | round / 100' "$tmp/times.json"
}

# Instructions of the launcher's own process up to its hand-over (execve, or the creation of
# the child), in millions: Tests/Tools/launch-instructions.sh, which `make check` uses too.
instructions() {
  "$(dirname "$0")/../Tools/launch-instructions.sh" "$@" | awk '{ printf "%.3f M", $1 / 1e6 }'
}

peak_rss() {  # median of five runs of /usr/bin/time's maximum resident set size
  for _ in 1 2 3 4 5; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done |
    sort -n | sed -n 3p | awk '{ printf "%.1f MB", $1 / 1024 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "| work | swclone | unshare | bwrap | swclone/unshare | swclone/bwrap | swclone instr. | unshare instr. | bwrap instr. | swclone RSS | unshare RSS | bwrap RSS |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
  IFS='|' read -r label opts bw handover un_opts <<<"$row"
  # $opts, $un_opts and $bw are unquoted on purpose: they are several words.
  sw=$(median_ms "$installed $opts $program")
  unt=n/a unr=n/a uni=n/a unrss=n/a
  if [ "$un_opts" != - ]; then
    un_opts=${un_opts:-$opts}
    un=$(median_ms "unshare $un_opts $program")
    unt="$un ms" unr=$(ratio "$sw" "$un")
    uni=$(instructions "$handover" unshare $un_opts $program)
    unrss=$(peak_rss unshare $un_opts $program)
  fi
  bwt=n/a bwr=n/a bwi=n/a bwrss=n/a
  if [ -n "$bw" ]; then
    bwm=$(median_ms "bwrap $bw $program")
    bwt="$bwm ms" bwr=$(ratio "$sw" "$bwm")
    bwi=$(instructions whole bwrap $bw $program)
    bwrss=$(peak_rss bwrap $bw $program)
  fi
  swi=$(instructions "$handover" "$swclone" $opts $program)
  printf '| %s | %s ms | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$sw" "$unt" "$bwt" "$unr" "$bwr" \
    "$swi" "$uni" "$bwi" "$(peak_rss "$installed" $opts $program)" "$unrss" "$bwrss"
done

echo
echo "| transient cgroup | without | with | with/without | instr. without | instr. with |"
echo "|---|---|---|---|---|---|"
plain=$(median_ms "$installed $plain_fork $program")
cgroup=$(median_ms "$installed $cgroup_fork $program")
# $plain_fork and $cgroup_fork are unquoted on purpose: they are several words.
printf '| `%s` against `%s` | %s ms | %s ms | %s | %s | %s |\n' "$cgroup_fork" "$plain_fork" "$plain" "$cgroup" \
  "$(ratio "$cgroup" "$plain")" \
  "$(instructions fork "$swclone" $plain_fork $program)" "$(instructions fork "$swclone" $cgroup_fork $program)"

echo
echo "Median wall time of $runs runs each (hyperfine -N), all in one hyperfine run that went round"
echo "every command $rounds times ($((runs / rounds)) runs a turn, after 3 warm-up runs)."
echo "Each row runs, with \`$program\` as the program:"
for row in "${rows[@]}"; do
  IFS='|' read -r label opts bw _ un_opts <<<"$row"
  [ -n "$bw" ] && bw="\`bwrap $bw\`" || bw="bwrap n/a"
  [ "$un_opts" = - ] && un="unshare n/a" || un="\`unshare ${un_opts:-$opts}\`"
  echo "- $label: \`swclone $opts\`, $un, $bw"
done
echo "bwrap instr. counts bubblewrap's whole launcher process (it is stripped: no hand-over to stop at)."
echo
echo "$(date -u +%F), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), \
kernel $(uname -r), $(swift --version 2>/dev/null | grep -o 'Swift version [0-9.]*'), \
$(unshare --version), bubblewrap $(bwrap --version | awk '{ print $2 }'), hyperfine $(hyperfine --version | awk '{ print $2 }')."
