#!/usr/bin/env bash
# `make startup-order`: rewrites Tests/Tools/startup.order, the order in which the release
# link (lld --symbol-ordering-file) lays out the functions and data a launch touches, so that a
# launch faults in few pages of the 27 MB static binary instead of pages spread all over it.
# valgrind's lackey traces representative launches (every instruction fetch and data access);
# startup-order.py names the symbols touched. Usage: startup-order.sh SWCLONE ORDER-FILE.
# Needs root (the launches create namespaces) and valgrind.
set -euo pipefail
swclone=$(realpath "${1:?usage: startup-order.sh SWCLONE ORDER-FILE}")
order=${2:?usage: startup-order.sh SWCLONE ORDER-FILE}
[ "$(id -u)" = 0 ] || { echo "startup-order.sh: run as root (the launches create namespaces)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# valgrind 3.19 cannot read the DWARF 5 that swiftc writes: trace a copy without it.
strip --strip-debug -o "$tmp/swclone" "$swclone"
# valgrind 3.19 answers clone3 with ENOSYS, so a forked launch here takes the clone(2) path
# (no --time, --set-tid or cgroup) and nothing needs pidfd_open (no --kill-child, no enter); those
# paths differ from these only in a few calls.
launches=(
  "--pid --mount --mount-proc --fork /bin/true"
  "--user --map-root-user /bin/true"
  "--pid --mount --uts --ipc --net --user --map-root-user --cgroup --mount-proc --fork /bin/true"
  "--time --monotonic 10 /bin/true"
  "--uts --hostname box /bin/true"
  "--net --ipc --fork /bin/true"
)
i=0
for args in "${launches[@]}"; do
  i=$((i + 1))
  # $args unquoted on purpose: several words.
  valgrind --tool=lackey --trace-mem=yes --trace-children=no --log-file="$tmp/trace.$i" \
    "$tmp/swclone" $args >/dev/null 2>&1 || { echo "startup-order.sh: swclone $args failed" >&2; exit 1; }
done
python3 "$(dirname "$0")/startup-order.py" "$tmp/swclone" "$tmp"/trace.* > "$order"
echo "$order: $(wc -l < "$order") symbols"
