#!/usr/bin/env bash
# Checks the package `make deb` built as a user gets it (`make check`; root): lintian finds no
# error or warning (Tests/Tools/make-deb.sh lists the tags overridden and why), and
# `apt-get install ./swclone_*.deb` works in a throwaway copy of this system, where the
# installed swclone runs, man and the shells find its manual and completions, and
# `apt-get purge` removes it all. The copy is an overlay on / in a mount namespace of its
# own: the host is never touched. Usage: check-deb.sh PACKAGE (COMMIT: what --version must name).
set -euo pipefail
deb=$(realpath "${1:?usage: check-deb.sh PACKAGE}")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# lintian leaves a file in $TMPDIR (mldbm-elf-*) each run: give it the throwaway directory.
TMPDIR=$tmp lintian --fail-on error,warning --info --pedantic "$deb"
mkdir "$tmp/files"
cp "$deb" "$tmp/files/"
# Offline: the Recommends (uidmap) only when it is installed already (`make test` installs it).
recommends=--no-install-recommends
dpkg-query -W -f='${Status}' uidmap 2>/dev/null | grep -q 'install ok installed' && recommends=

# What runs in the copy.
cat >"$tmp/files/in-copy.sh" <<EOF
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get install -y $recommends /tmp/files/$(basename "$deb") >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
swclone --version
swclone --version | grep -q '^commit: ${COMMIT:-.*}\$'
man -w swclone >/dev/null
# Each shell finds the completion where it looks by itself (when installed).
if test -f /usr/share/bash-completion/bash_completion; then
  bash -c '. /usr/share/bash-completion/bash_completion; _completion_loader swclone; complete -p swclone' | grep -q _swclone
fi
if command -v zsh >/dev/null; then
  test "\$(zsh -fc 'autoload -Uz compinit; compinit -u -D; print \$_comps[swclone]')" = _swclone
fi
if command -v fish >/dev/null; then
  fish -c "complete -C'swclone --propagat'" | grep -q -- --propagation
fi
apt-get purge -y swclone >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
if test -e /usr/bin/swclone || test -e /usr/share/doc/swclone; then echo "left after purge"; exit 1; fi
EOF

# The copy: a tmpfs for the overlay's writable layer, / below it, the kernel's file systems
# bound in, apt-get chrooted there. It all goes with the namespace.
unshare --mount --propagation private -- sh -eu -c '
  layer=$1/layer
  mkdir "$layer"
  mount -t tmpfs tmpfs "$layer"
  mkdir "$layer/upper" "$layer/work" "$layer/root"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$layer/upper,workdir=$layer/work" "$layer/root"
  for fs in dev proc sys; do mount --rbind "/$fs" "$layer/root/$fs"; done
  mount -t tmpfs tmpfs "$layer/root/tmp"
  cp -r "$1/files" "$layer/root/tmp/"
  chroot "$layer/root" sh /tmp/files/in-copy.sh
' check-deb "$tmp"
echo "check-deb.sh: $(basename "$deb") installs, runs and purges cleanly"
