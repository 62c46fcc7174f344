#!/bin/sh
# `make demo`: swclone's main job, a CI step in a sandbox. A copy of Tests/Demo/project (a small C
# project) becomes the workspace, and its step (project/ci-step.sh: what the sandbox shows,
# then `make test`) runs with the host read-only, the workspace writable, a private /tmp, no
# network, /root and /home hidden, a timeout and limits; then a step that hangs meets a
# 2-second timeout. Everything it made is removed at the end.
# Usage: Tests/Demo/run.sh SWCLONE WORKDIR (WORKDIR: a directory the demo may create and remove).
set -eu
swclone=$(realpath "$1")
work=$(realpath -m "$2")
project=$(dirname "$(realpath "$0")")/project
rm -rf "$work"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$work"
cp -R "$project" "$work/workspace"
cd "$work/workspace"
unset MAKEFLAGS MAKELEVEL MFLAGS

# The limits need a transient cgroup; where swclone may not make one (an unprivileged user
# without a delegated cgroup, a cgroup v2 parent that holds processes), the step runs without.
limits="--memory-max 512M --pids-max 256"
if ! "$swclone" $limits -- true 2>"$work/limits.err"; then
    echo "(limits left out: $(cat "$work/limits.err"))"
    limits=""
fi
sandbox="--pid --init --net --ipc --uts --ro-bind / / --dev /dev --proc /proc
  --tmpfs /tmp --tmpfs /root --tmpfs /home --bind $PWD $PWD --chdir $PWD"
# Prints the command line as one would type it in the workspace, then runs it.
run() {
    shown=""
    for word in "$@"; do
        case $word in *[!A-Za-z0-9_.,:=/+-]*) word="'$word'" ;; esac
        shown="$shown $word"
    done
    echo "\$ swclone --pid --init --net --ipc --uts --ro-bind / / --dev /dev --proc /proc \\"
    echo "    --tmpfs /tmp --tmpfs /root --tmpfs /home --bind \"\$PWD\" \"\$PWD\" --chdir \"\$PWD\" \\"
    echo "   $shown 3>status.json"
    status=0
    # shellcheck disable=SC2086 # the option list is split into words on purpose
    "$swclone" $sandbox "$@" 3>"$work/status.json" || status=$?
    echo "exit status: $status"
    echo "status.json: $(tail -n 1 "$work/status.json")"
}

echo "== swclone demo: a CI step in a sandbox"
echo "workspace: $PWD (a copy of Tests/Demo/project)"
echo "on the host: /root has $(ls -A /root 2>/dev/null | wc -l) entries, /home $(ls -A /home | wc -l)"
echo
run --timeout 60 $limits --rlimit core=0 --json-status 3 -- sh ci-step.sh
echo "what the step left in the workspace: $(ls | tr '\n' ' ')(hello is the only write kept)"
echo
echo "== a step that hangs, with --timeout 2 (SIGTERM, then SIGKILL 5 s later)"
run --timeout 2 --json-status 3 -- sh -c 'echo "step: waiting forever"; sleep 600'
