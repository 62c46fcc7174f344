#!/usr/bin/env bash
# `make check`: does the startup order still fit the release binary? The release link lays out
# the functions and data a launch touches in the order of ORDER-FILE (lld --symbol-ordering-file,
# with --no-warn-symbol-ordering, so a stale file fails nothing), which `make startup-order`
# traces from the binary. Code that changes renames its symbols (Swift mangles signatures into
# them); what the file no longer names is laid out anywhere, and a launch faults in pages spread
# over the binary again, slower, which only `make bench` would notice.
# Two shares of the file's symbols that the binary still defines:
# - all of them, at least 90%: mostly the Swift runtime's, libdispatch's and glibc's, which
#   change with the toolchain only;
# - swclone's own (its targets' in Sources/ and what the compiler makes of them), at least
#   75%: a change of the launch path renames these while the first share hardly moves (the
#   option table, launch plan and fail-safe child rewrites left 92% of all but 65% of these,
#   and `--uts /bin/true` faulted in 172 pages, 4.4 MB, where a new order gave 152, 3.5 MB).
# Usage: check-startup-order.sh SWCLONE ORDER-FILE [MIN-PERCENT-ALL [MIN-PERCENT-OWN]].
set -euo pipefail
usage="usage: check-startup-order.sh SWCLONE ORDER-FILE [MIN-PERCENT-ALL [MIN-PERCENT-OWN]]"
swclone=${1:?$usage}
order=${2:?$usage}
min_all=${3:-90}
min_own=${4:-75}
sources=$(dirname "$0")/../../Sources
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sort -u "$order" >"$tmp/ordered"
nm --defined-only "$swclone" | awk '{ print $NF }' | sort -u >"$tmp/defined"
# swclone's own: what the object files of its targets define now (SwiftPM leaves them in
# TARGET.build beside the binary), and, to count those gone since the file was made too, every
# Swift symbol that names one of its modules and every sw_ function (the C shim's prefix).
objects=()
modules=()
for target in "$sources"/*/; do
  target=$(basename "$target")
  modules+=("${#target}$target")
  for object in "$(dirname "$swclone")/$target.build"/*.o; do [ -e "$object" ] && objects+=("$object"); done
done
[ ${#objects[@]} -gt 0 ] || { echo "check-startup-order.sh: no object files of Sources/ beside $swclone" >&2; exit 1; }
{
  nm --defined-only "${objects[@]}" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u | comm -12 - "$tmp/ordered"
  grep -F "${modules[@]/#/-e}" "$tmp/ordered" | grep '^\$s' || true
  grep '^sw_' "$tmp/ordered" || true
} | sort -u >"$tmp/own"

failed=0
share() {  # share LABEL NAMES-FILE MIN-PERCENT: prints how many of NAMES the binary defines
  local total found percent
  total=$(wc -l <"$2")
  found=$(comm -12 "$2" "$tmp/defined" | wc -l)
  percent=$(awk -v f="$found" -v t="$total" 'BEGIN { printf "%.1f", t ? 100 * f / t : 0 }')
  printf '  %-14s %5d of %5d still defined (%s%%, at least %s%% needed)\n' "$1" "$found" "$total" "$percent" "$3"
  if awk -v p="$percent" -v m="$3" 'BEGIN { exit !(p < m) }'; then failed=1; fi
}
echo "startup order: symbols of $order in $swclone"
share "all:" "$tmp/ordered" "$min_all"
share "swclone's own:" "$tmp/own" "$min_own"
if [ "$failed" = 1 ]; then
  echo "check-startup-order.sh: $order no longer matches the code; run \`make startup-order\` to trace it again" >&2
  exit 1
fi
