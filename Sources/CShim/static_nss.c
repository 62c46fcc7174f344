/* The release build is a static executable (see the Makefile). glibc's name service
 * modules other than "files" are shared libraries, and a static program that loads
 * one crashes in it: Debian's nsswitch.conf lists "files systemd", so `--setuid
 * nosuchuser` ended in SIGSEGV inside libnss_systemd. A static swclone therefore
 * looks users and groups up in /etc/passwd and /etc/group itself, and asks getent(1)
 * for a name those lack (name_service.c). A dynamically linked swclone (the debug
 * build) keeps nsswitch.conf. */
#define _GNU_SOURCE
#include <nss.h>
#include <sys/auxv.h>

__attribute__((constructor)) static void static_nss_files_only(void) {
    /* No program interpreter (AT_BASE 0): nothing was linked dynamically. */
    if (getauxval(AT_BASE) != 0) return;
    __nss_configure_lookup("passwd", "files");
    __nss_configure_lookup("group", "files");
    __nss_configure_lookup("initgroups", "files");
    __nss_configure_lookup("shadow", "files");
    __nss_configure_lookup("gshadow", "files");
}
