#!/usr/bin/env bash
# Launches swclone many times, one after another and all at once, across every
# namespace type and the limits, and reports failures and what was left behind:
# processes, mounts on the host, transient cgroups, descriptors the program
# inherited. All must be 0.
#
#   stress.sh SWCLONE [SEQUENTIAL=1000] [CONCURRENT=50]        (as root)
set -u
[ $# -ge 1 ] || { echo "usage: stress.sh SWCLONE [SEQUENTIAL] [CONCURRENT]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "stress.sh needs root" >&2; exit 2; }
SEQUENTIAL=${2:-1000} CONCURRENT=${3:-50}

# Copies under names nothing else on the machine uses, so that leftovers can be
# counted by name (zombies included) even while other swclones run.
WORK=$(mktemp -d /tmp/swclone-stress.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
SW="$WORK/swclone-stress" PROG="$WORK/swstress-prog"
cp "$(readlink -f "$1")" "$SW" && cp "$(readlink -f /bin/sh)" "$PROG" && chmod 755 "$SW" "$PROG"

# The program lists its own descriptors; anything beyond what it has when
# started directly leaked from swclone.
LIST_FDS='cd /proc/self/fd && echo *'
EXPECTED_FDS=$("$PROG" -c "$LIST_FDS" </dev/null)

# Every namespace type, alone and together, with the supervision options.
VARIANTS=(
  "--pid --fork --mount-proc"
  "--mount"
  "--uts --hostname stress"
  "--ipc"
  "--net"
  "--cgroup"
  "--time --boottime 100"
  "--user --map-root-user"
  "--pid --mount --uts --ipc --net --cgroup --user --map-root-user --time --fork --mount-proc"
  "--pid --init --mount-proc"
  "--kill-child --net"
  "nobody: --user --map-root-user --pid --mount-proc"
  "--pids-max 64 --memory-max 256M --cpu-max 1 --rlimit nofile=256"
  "--timeout 20 --kill-tree --net"
  "--pid --timeout 20 --mount-proc"
)

# launch N: one launch of variant N mod count; prints nothing on success, else why.
launch() {
  local v=${VARIANTS[$(($1 % ${#VARIANTS[@]}))]} out rc runner=()
  if [ "${v%%:*}" = nobody ]; then
    v=${v#nobody: }
    runner=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
  fi
  # shellcheck disable=SC2086
  out=$(timeout -k 2 20 "${runner[@]}" "$SW" $v -- "$PROG" -c "$LIST_FDS" 2>&1 </dev/null)
  rc=$?
  if [ $rc != 0 ]; then echo "failed ($rc): swclone $v: $out"
  elif [ "$out" != "$EXPECTED_FDS" ]; then echo "descriptors: swclone $v: program has $out, expected $EXPECTED_FDS"
  fi
}

leftover_processes() {
  local n=0 comm
  for stat in /proc/[0-9]*/comm; do
    { read -r comm <"$stat"; } 2>/dev/null || continue
    case $comm in swclone-stress|swstress-prog) n=$((n + 1)) ;; esac
  done
  echo $n
}

# The transient cgroups (swclone-PID) in every cgroup hierarchy mountinfo lists.
transient_cgroups() {
  awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5; break } }' \
    /proc/self/mountinfo | while read -r mount; do
      find "$mount" -maxdepth 5 -type d -regex '.*/swclone-[0-9]+' 2>/dev/null
    done | sort
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

MOUNTS_BEFORE=$(wc -l </proc/self/mountinfo)
CGROUPS_BEFORE=$(transient_cgroups)
FAILED=0 LEAKED_FDS=0

start=$(now)
for i in $(seq 0 $((SEQUENTIAL - 1))); do
  why=$(launch "$i")
  [ -z "$why" ] && continue
  case $why in descriptors*) LEAKED_FDS=$((LEAKED_FDS + 1)) ;; *) FAILED=$((FAILED + 1)) ;; esac
  [ $((FAILED + LEAKED_FDS)) -le 5 ] && echo "  $why"
done
seq_time=$(elapsed "$start" "$(now)")
seq_failed=$FAILED

start=$(now)
for i in $(seq 0 $((CONCURRENT - 1))); do launch "$i" >"$WORK/result.$i" & done
wait
conc_time=$(elapsed "$start" "$(now)")
for i in $(seq 0 $((CONCURRENT - 1))); do
  why=$(cat "$WORK/result.$i")
  [ -z "$why" ] && continue
  case $why in descriptors*) LEAKED_FDS=$((LEAKED_FDS + 1)) ;; *) FAILED=$((FAILED + 1)) ;; esac
  echo "  $why"
done

sleep 0.5
PROCESSES=$(leftover_processes)
MOUNTS=$(( $(wc -l </proc/self/mountinfo) - MOUNTS_BEFORE ))
CGROUPS=$(comm -13 <(echo "$CGROUPS_BEFORE") <(transient_cgroups) | grep -c .)

echo "swclone stress: ${#VARIANTS[@]} variants over every namespace type and the limits ($(uname -r), $(nproc) CPUs)"
echo "sequential: $SEQUENTIAL launches in $seq_time s ($(awk -v t="$seq_time" -v n="$SEQUENTIAL" 'BEGIN { printf "%.1f", t * 1000 / n }') ms each), $seq_failed failed"
echo "concurrent: $CONCURRENT launches at once in $conc_time s, $((FAILED - seq_failed)) failed"
echo "leftover processes: $PROCESSES"
echo "leftover mounts: $MOUNTS"
echo "leftover cgroups: $CGROUPS"
echo "leaked descriptors: $LEAKED_FDS"
[ "$FAILED" = 0 ] && [ "$PROCESSES" = 0 ] && [ "$MOUNTS" = 0 ] && [ "$CGROUPS" = 0 ] && [ "$LEAKED_FDS" = 0 ]
