#ifndef CMASTERSHIMS_H
#define CMASTERSHIMS_H

#include <sys/types.h>

/* What minimaster's supervisor needs from C beyond CShims (which it shares with the child
 * side): a non-blocking whole-file lock for the pidfile, and a plain fork() for daemon mode. */

/* Takes an exclusive fcntl write lock on the whole file without waiting (F_SETLK).
 * 0 on success, -1 with errno (EAGAIN/EACCES: another process holds it). */
int cmaster_try_lock(int fd);

/* pipe2(fds, O_CLOEXEC | extra_flags): 0, or -1 with errno. */
int cmaster_pipe(int fds[2], int extra_flags);

/* fork(2): 0 in the child, the pid in the parent, -1 with errno. Only for daemonizing, while
 * the process has a single thread. */
pid_t cmaster_fork(void);

#endif
