/* Namespaces reached through other handles, for swclone enter's --net-socket and --user-parent. */
#define _GNU_SOURCE
#include "swclone_shim.h"

#include <linux/nsfs.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int sw_pidfd_getfd(int pidfd, int fd) {
    return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0U);
}

int sw_socket_network_namespace(int socket) {
    return ioctl(socket, SIOCGSKNS);
}

int sw_namespace_owner(int fd) {
    return ioctl(fd, NS_GET_USERNS);
}
