#define _GNU_SOURCE
#include "cshims.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SIGNAL 65

static volatile sig_atomic_t received[MAX_SIGNAL];
static volatile sig_atomic_t caught[MAX_SIGNAL];
static int signal_pipe[2] = { -1, -1 };

static void record_signal(int sig) {
    int saved = errno;
    if (sig > 0 && sig < MAX_SIGNAL) received[sig] = 1;
    if (signal_pipe[1] >= 0) {
        char byte = (char)sig;
        (void)write(signal_pipe[1], &byte, 1);
    }
    errno = saved;
}

int cshim_catch_signals(const int *signals, int count) {
    if (signal_pipe[0] < 0) {
        if (pipe2(signal_pipe, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
    }
    for (int i = 0; i < count; i++) {
        int sig = signals[i];
        if (sig <= 0 || sig >= MAX_SIGNAL) continue;
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = record_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0; /* no SA_RESTART: blocking calls see EINTR */
        if (sigaction(sig, &action, NULL) != 0) return -1;
        caught[sig] = 1;
    }
    return 0;
}

int cshim_unblock_signals(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) {
        if (signals[i] > 0 && signals[i] < MAX_SIGNAL) sigaddset(&set, signals[i]);
    }
    return sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int cshim_take_signal(int sig) {
    if (sig <= 0 || sig >= MAX_SIGNAL || !received[sig]) return 0;
    received[sig] = 0;
    return 1;
}

int cshim_signal_pending(int sig) {
    return (sig > 0 && sig < MAX_SIGNAL && received[sig]) ? 1 : 0;
}

int cshim_signal_pipe_fd(void) { return signal_pipe[0]; }

void cshim_drain_signal_pipe(void) {
    char buffer[64];
    if (signal_pipe[0] < 0) return;
    while (read(signal_pipe[0], buffer, sizeof buffer) > 0) {}
}

void cshim_default_signal(int sig) {
    signal(sig, SIG_DFL);
    if (sig > 0 && sig < MAX_SIGNAL) caught[sig] = 0;
}

/* Moves fd out of the 0..4 range so that dup2 onto 3 and 4 cannot clobber it. */
static int lift(int fd) {
    if (fd < 0 || fd > 4) return fd;
    return fcntl(fd, F_DUPFD, 5);
}

static void close_from(int lowest) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = lowest; fd < max; fd++) close(fd);
}

/* The child side of both spawn functions: async-signal-safe calls only. `stdio` (may be NULL)
 * holds descriptors for 0, 1, 2 (-1: keep). */
static void exec_child(const char *path, char *const argv[], char *const envp[],
                       int status_fd, int listen_fd, int metrics_fd, long maxfds, const int stdio[3]) {
    for (int sig = 1; sig < MAX_SIGNAL; sig++) {
        if (caught[sig]) signal(sig, SIG_DFL);
    }
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int standard[3] = { -1, -1, -1 };
    if (stdio != NULL) {
        for (int i = 0; i < 3; i++) standard[i] = lift(stdio[i]);
    }
    status_fd = lift(status_fd);
    listen_fd = lift(listen_fd);
    metrics_fd = lift(metrics_fd);
    for (int i = 0; i < 3; i++) {
        if (standard[i] >= 0 && dup2(standard[i], i) < 0) _exit(71);
    }
    int keep = 3;
    if (status_fd >= 0) {
        if (dup2(status_fd, 3) < 0) _exit(71);
        keep = 4;
    }
    if (listen_fd >= 0) {
        if (dup2(listen_fd, 4) < 0) _exit(71);
        keep = 5;
    }
    if (metrics_fd >= 0) {
        /* fd 5 only after 3 and 4 are what the contract says (or closed). */
        for (int fd = keep; fd < 5; fd++) close(fd);
        if (metrics_fd == 5) {
            /* dup2(5, 5) would keep its close-on-exec flag: clear it instead. */
            if (fcntl(5, F_SETFD, 0) < 0) _exit(71);
        } else if (dup2(metrics_fd, 5) < 0) {
            _exit(71);
        }
        keep = 6;
    }
    close_from(keep);
    if (maxfds > 0) {
        struct rlimit limit;
        if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
            rlim_t wanted = (rlim_t)maxfds;
            limit.rlim_cur = (limit.rlim_max != RLIM_INFINITY && wanted > limit.rlim_max) ? limit.rlim_max : wanted;
            setrlimit(RLIMIT_NOFILE, &limit);
        }
    }
    execve(path, argv, envp);
    _exit(71);
}

pid_t cshim_spawn(const char *path, char *const argv[], char *const envp[],
                  int status_fd, int listen_fd, long maxfds) {
    pid_t pid = fork();
    if (pid != 0) return pid; /* parent, or -1 */
    exec_child(path, argv, envp, status_fd, listen_fd, -1, maxfds, NULL);
    return -1; /* not reached */
}

pid_t cshim_spawn_service(const char *path, char *const argv[], char *const envp[],
                          int status_fd, int listen_fd, int metrics_fd, long maxfds) {
    pid_t pid = fork();
    if (pid != 0) return pid; /* parent, or -1 */
    exec_child(path, argv, envp, status_fd, listen_fd, metrics_fd, maxfds, NULL);
    return -1; /* not reached */
}

pid_t cshim_spawn_stdio(const char *path, char *const argv[], char *const envp[],
                        int status_fd, int listen_fd, int stdin_fd, int stdout_fd, int stderr_fd) {
    const int stdio[3] = { stdin_fd, stdout_fd, stderr_fd };
    pid_t pid = fork();
    if (pid != 0) return pid; /* parent, or -1 */
    exec_child(path, argv, envp, status_fd, listen_fd, -1, 0, stdio);
    return -1; /* not reached */
}

int cshim_wifexited(int status) { return WIFEXITED(status); }
int cshim_wexitstatus(int status) { return WEXITSTATUS(status); }
int cshim_wifsignaled(int status) { return WIFSIGNALED(status); }
int cshim_wtermsig(int status) { return WTERMSIG(status); }
int cshim_wcoredump(int status) { return WCOREDUMP(status); }

int cshim_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

pid_t cshim_fork(void) { return fork(); }

int cshim_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }

static int set_lock(int fd, short type, int cmd) {
    struct flock lock;
    memset(&lock, 0, sizeof lock);
    lock.l_type = type;
    lock.l_whence = SEEK_SET;
    lock.l_start = 0;
    lock.l_len = 0; /* the whole file */
    return fcntl(fd, cmd, &lock);
}

int cshim_lock_wait(int fd) { return set_lock(fd, F_WRLCK, F_SETLKW); }

int cshim_try_lock(int fd) { return set_lock(fd, F_WRLCK, F_SETLK); }

int cshim_unlock(int fd) { return set_lock(fd, F_UNLCK, F_SETLK); }

pid_t cshim_lock_holder(int fd) {
    struct flock lock;
    memset(&lock, 0, sizeof lock);
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (fcntl(fd, F_GETLK, &lock) != 0) return -1;
    return lock.l_type == F_UNLCK ? 0 : lock.l_pid;
}

static int set_byte_lock(int fd, short type, long long offset) {
    struct flock lock;
    memset(&lock, 0, sizeof lock); /* l_pid must be 0 for OFD locks */
    lock.l_type = type;
    lock.l_whence = SEEK_SET;
    lock.l_start = (off_t)offset;
    lock.l_len = 1;
    return fcntl(fd, F_OFD_SETLK, &lock);
}

int cshim_byte_try_lock(int fd, long long offset) { return set_byte_lock(fd, F_WRLCK, offset); }

int cshim_byte_unlock(int fd, long long offset) { return set_byte_lock(fd, F_UNLCK, offset); }

int cshim_signal_caught_by(pid_t pid, int sig) {
    char path[64];
    char line[256];
    if (sig <= 0 || sig > 64) return -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *file = fopen(path, "re");
    if (file == NULL) return -1;
    int result = -1;
    while (fgets(line, sizeof line, file) != NULL) {
        if (strncmp(line, "SigCgt:", 7) == 0) {
            unsigned long long mask = strtoull(line + 7, NULL, 16);
            result = (mask >> (sig - 1)) & 1ULL ? 1 : 0;
            break;
        }
    }
    fclose(file);
    return result;
}

int cshim_memfd(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}
