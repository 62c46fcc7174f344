#!/usr/bin/env bash
# `make check`: swclone may not run more instructions than util-linux unshare doing the same
# work, counted by callgrind up to the hand-over (launch-instructions.sh): a launcher lives a
# few milliseconds, so its start-up is its speed (Tests/Benchmarks/README.md), and an instruction count,
# unlike a wall time on a shared, noisy machine, is the same from run to run, so a slower
# launch path fails here rather than in the next `make bench`. Prints a Markdown table; fails
# when swclone is over budget on any row. Usage: instruction-budget.sh SWCLONE. Needs root.
set -euo pipefail
swclone=$(realpath "${1:?usage: instruction-budget.sh SWCLONE}")
[ "$(id -u)" = 0 ] || { echo "instruction-budget.sh: run as root (the launches create namespaces)" >&2; exit 1; }
count=$(dirname "$0")/launch-instructions.sh

# One row per launch: options given to swclone and unshare alike | where the launcher hands
# over (exec: it becomes the program; fork: it creates a child and waits). The in-place
# launch is swclone's shortest path, the forked one the most common.
rows=(
  "--uts|exec"
  "--pid --mount --mount-proc --fork|fork"
)
program=/bin/true

over=0
echo "| command | swclone instr. | unshare instr. | verdict |"
echo "|---|---|---|---|"
for row in "${rows[@]}"; do
  IFS='|' read -r opts handover <<<"$row"
  # $opts unquoted on purpose: several words.
  sw=$("$count" "$handover" "$swclone" $opts $program)
  un=$("$count" "$handover" unshare $opts $program)
  ratio=$(awk -v a="$sw" -v b="$un" 'BEGIN { printf "%.2f", a / b }')
  if [ "$sw" -le "$un" ]; then verdict="ok ($ratio of unshare)"; else verdict="OVER BUDGET ($ratio of unshare)"; over=1; fi
  printf '| %s | %s | %s | %s |\n' "$opts $program" "$sw" "$un" "$verdict"
done
if [ "$over" = 1 ]; then
  echo "instruction-budget.sh: swclone runs more instructions than unshare; \`make bench\` and" \
    "callgrind_annotate on a count (launch-instructions.sh) show where" >&2
  exit 1
fi
