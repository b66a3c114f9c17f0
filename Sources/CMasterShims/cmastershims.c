#define _GNU_SOURCE
#include "cmastershims.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int cmaster_try_lock(int fd) {
    struct flock lock;
    memset(&lock, 0, sizeof lock);
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = 0;
    lock.l_len = 0; /* the whole file */
    return fcntl(fd, F_SETLK, &lock);
}

pid_t cmaster_fork(void) { return fork(); }

int cmaster_pipe(int fds[2], int extra_flags) { return pipe2(fds, O_CLOEXEC | extra_flags); }
