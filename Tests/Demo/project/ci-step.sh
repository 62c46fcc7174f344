#!/bin/sh
# The CI step `make demo` runs in a sandbox: what the step can see and do, then the project's
# own `make test`, whose status is the step's.
look() { printf '  %-30s %s\n' "$1" "$2"; }
try() { if out=$("$@" 2>&1); then echo "written"; else echo "refused: ${out##*: }"; fi; }

echo "inside the sandbox, as $(id -un) (UID $(id -u)):"
look "network interfaces" "$(ip -o link | cut -d: -f2 | tr -d ' ' | tr '\n' ' ')"
look "route to 1.1.1.1" "$(ip route get 1.1.1.1 2>&1 | sed 's/^RTNETLINK answers: //')"
look "write /etc/demo" "$(try touch /etc/demo)"
look "write /usr/local/demo" "$(try touch /usr/local/demo)"
look "entries in /root and /home" "$(ls -A /root /home | grep -vc '^/\|^$') (the host's are hidden)"
look "entries in /tmp" "$(ls -A /tmp | wc -l) (a private tmpfs, gone at the end)"
look "processes it sees" "$(ps -e -o pid=,comm= | awk '{printf "%s %s, ", $1, $2}' | sed 's/, $//')"
look "" "(PID 1 is swclone's --init; the host's processes are not there)"
echo "make test:"
exec make --no-print-directory test
