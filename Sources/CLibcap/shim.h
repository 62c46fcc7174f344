/* libcap, for capability names and sets (cap_from_name, cap_iab_t...). */
#include <sys/capability.h>
