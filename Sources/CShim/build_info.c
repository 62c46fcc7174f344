/*
 * What --version says of the build. `make` writes swclone_build.h (the git commit and the
 * compiler's version) into a directory of the release build's include path; a plain
 * `swift build`, or a copy of the sources without git, has none and builds all the same.
 * Only this file sees the header, so a new commit recompiles one file.
 */
#include "swclone_shim.h"

#include <sys/auxv.h>

#if __has_include(<swclone_build.h>)
#include <swclone_build.h>
#endif
#ifndef SWCLONE_COMMIT
#define SWCLONE_COMMIT "unknown (not built by make)"
#endif
#ifndef SWCLONE_SWIFT
#define SWCLONE_SWIFT "unknown (not built by make)"
#endif

const char *sw_build_commit(void) { return SWCLONE_COMMIT; }
const char *sw_build_swift(void) { return SWCLONE_SWIFT; }

/* No program interpreter (AT_BASE 0): nothing was linked dynamically, libcap included. */
int sw_is_static(void) { return getauxval(AT_BASE) == 0; }
