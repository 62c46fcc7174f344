/* libseccomp, for --seccomp-default's filter (built in the parent, Sources/CShim/seccomp_default.c). */
#include <seccomp.h>
