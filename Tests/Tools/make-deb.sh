#!/usr/bin/env bash
# Makes a Debian package of a `make install DESTDIR=ROOT PREFIX=/usr` tree (`make deb`), with
# dpkg-deb alone: what Debian policy asks for around the files (control with Recommends: uidmap
# and Built-Using for the statically linked C libraries, md5sums, copyright, changelog, the
# manual compressed) and the maintainer scripts that put the AppArmor profile in place.
# Usage: make-deb.sh ROOT OUTDIR. Environment: DEB_VERSION (default: swclone --version's),
# DEB_MAINTAINER (default: the author of the last commit).
set -euo pipefail
root=${1:?usage: make-deb.sh ROOT OUTDIR}
out=${2:?usage: make-deb.sh ROOT OUTDIR}
swclone=$root/usr/bin/swclone
version=${DEB_VERSION:-$("$swclone" --version | sed -n '1s/^swclone //p')}
commit=$("$swclone" --version | sed -n 's/^commit: //p')
maintainer=${DEB_MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null)}
[ -n "$maintainer" ] || { echo "make-deb.sh: no git history: set DEB_MAINTAINER='Name <address>'" >&2; exit 1; }
arch=$(dpkg --print-architecture)
# Reproducible: the files' times and the changelog's date are the last commit's.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
doc=$root/usr/share/doc/swclone
# The years of the history, for the copyright notice.
years=$(git log --format=%ad --date=format:%Y 2>/dev/null | sort -u | sed -n '1h;${x;G;s/\n/-/;s/^\(.*\)-\1$/\1/;p}')
years=${years:-$(date -u +%Y -d "@$SOURCE_DATE_EPOCH")}

gzip -9nf "$root/usr/share/man/man1/swclone.1"
install -d "$doc" "$root/DEBIAN"

cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: swclone
Comment: /usr/bin/swclone is statically linked: it contains the Swift runtime and standard
 library, swift-foundation's FoundationEssentials and swift-argument-parser (Apache-2.0 with
 the Swift Runtime Library Exception), libcap (BSD-3-clause or GPL-2), the GNU C library
 (LGPL-2.1+; its sources are those of the glibc package named in Built-Using) and the GCC
 runtime libraries (GPL-3+ with the GCC Runtime Library Exception).

Files: *
Copyright: $years the swclone authors
License: Apache-2.0

License: Apache-2.0
 Licensed under the Apache License, Version 2.0 (the "License"); you may not use this
 file except in compliance with the License. You may obtain a copy of the License at
 .
 https://www.apache.org/licenses/LICENSE-2.0
 .
 Unless required by applicable law or agreed to in writing, software distributed under
 the License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY
 KIND, either express or implied. See the License for the specific language governing
 permissions and limitations under the License.
 .
 On Debian systems, the complete text of the Apache License, Version 2.0 can be found in
 /usr/share/common-licenses/Apache-2.0.
EOF

# A native package (no Debian revision): its changelog is changelog.gz.
{
  echo "swclone ($version) unstable; urgency=medium"
  echo
  echo "  * Built from commit $commit."
  echo
  echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$doc/changelog.gz"

# What lintian reports and is so on purpose.
install -d "$root/usr/share/lintian/overrides"
cat >"$root/usr/share/lintian/overrides/swclone" <<'EOF'
# Static on purpose: without the dynamic loader's relocations a launch runs 2.4 M fewer
# instructions, half its time (the Makefile's RELEASE_FLAGS). Built-Using names the C libraries.
swclone: statically-linked-binary [usr/bin/swclone]
# Words cut short in the strings of the libraries linked in (Foundation, the Swift runtime).
swclone: spelling-error-in-binary * [usr/bin/swclone]
EOF

# The source packages of the C libraries linked in (Debian policy 7.8, Built-Using).
built_using=$(dpkg-query -W -f='${source:Package} (= ${source:Version}), ' libc6-dev libcap-dev | sed 's/, $//')
cat >"$root/DEBIAN/control" <<EOF
Package: swclone
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Recommends: uidmap
Built-Using: $built_using
Section: admin
Priority: optional
Description: run programs in new Linux namespaces (unshare, nsenter, setpriv, bwrap)
 swclone starts a program in new namespaces (PID, mount, UTS, IPC, network,
 user, cgroup, time) or in those of another process, with the options of
 util-linux's unshare and nsenter, setpriv's capability and identity settings,
 and what only clone3 can do: choose the child's PIDs, start it in a cgroup.
 .
 uidmap provides newuidmap and newgidmap, which map ranges of user and group
 IDs (/etc/subuid, /etc/subgid) for a caller without privileges.
EOF

# AppArmor 4's parser reads the profile (Ubuntu 24.04: the `userns` rule); an older one (Debian
# 12, Ubuntu 22.04) refuses it, and a profile it cannot read in /etc/apparmor.d would fail the
# loading of all of them at boot: so the profile is copied there only where the parser reads
# it, not shipped as a conffile, and removed with the package (as Ubuntu's dh_apparmor, it is
# loaded when AppArmor is enabled; in a container that may not load policy, it is left for the host).
cat >"$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
profile=/usr/share/swclone/apparmor/swclone
if [ "$1" = configure ] && command -v apparmor_parser >/dev/null 2>&1 &&
    apparmor_parser --skip-kernel-load --skip-cache --quiet "$profile" >/dev/null 2>&1; then
    cp "$profile" /etc/apparmor.d/swclone
    if aa-enabled --quiet 2>/dev/null; then
        apparmor_parser --replace --write-cache /etc/apparmor.d/swclone || true
    fi
fi
EOF
cat >"$root/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -f /etc/apparmor.d/swclone ]; then
    if aa-enabled --quiet 2>/dev/null; then
        apparmor_parser --remove /etc/apparmor.d/swclone >/dev/null 2>&1 || true
    fi
    rm -f /etc/apparmor.d/swclone
fi
EOF
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm"

# Modes as policy wants them whatever the umask was; then the checksums of every file.
find "$root" -path "$root/DEBIAN" -prune -o -type d -exec chmod 755 {} +
find "$root" -path "$root/DEBIAN" -prune -o -type f ! -path "$root/usr/bin/*" -exec chmod 644 {} +
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
  >"$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

deb=$out/swclone_${version}_$arch.deb
dpkg-deb --root-owner-group --build "$root" "$deb"
