#ifndef CSHIMS_H
#define CSHIMS_H

#include <stdint.h>
#include <sys/types.h>

/* What Swift cannot see or must not do itself: async-signal-safe signal flags, the fork/exec
 * of a service child (only async-signal-safe calls between fork and exec), pipe2, accept4,
 * fcntl record locks, fork, the wait(2) status macros. The only C shim target: Swift code
 * reaches the locks and pipe2 through POSIXCore; signals, spawn and wait statuses directly.
 * Depends on libc only. */

/* Installs a handler for each signal that records it (without SA_RESTART, so blocking calls
 * return EINTR) and writes one byte to the self-pipe. */
int cshim_catch_signals(const int *signals, int count);

/* Removes the signals from this thread's signal mask (a mask inherited from the parent must
 * not keep caught signals from arriving). */
int cshim_unblock_signals(const int *signals, int count);

/* 1 if `sig` arrived since the last take (and clears it), else 0. */
int cshim_take_signal(int sig);

/* 1 if `sig` arrived and was not taken yet. */
int cshim_signal_pending(int sig);

/* Read end of the self-pipe the handler writes to (non-blocking, close-on-exec), or -1 if
 * cshim_catch_signals has not been called. Drain it with cshim_drain_signal_pipe. */
int cshim_signal_pipe_fd(void);
void cshim_drain_signal_pipe(void);

/* Restores the default disposition of `sig`. */
void cshim_default_signal(int sig);

/* Starts `path` with `argv`/`envp` in a new process:
 *  - status_fd / listen_fd, when >= 0, become fds 3 and 4 (close-on-exec cleared);
 *  - every other descriptor >= 3 (>= 5 when both are given) is closed;
 *  - maxfds > 0 sets RLIMIT_NOFILE's soft limit to min(maxfds, hard);
 *  - caught signals get their default disposition back and the signal mask is emptied.
 * Returns the child's pid, or -1 with errno set. If exec fails the child exits 71. */
pid_t cshim_spawn(const char *path, char *const argv[], char *const envp[],
                  int status_fd, int listen_fd, long maxfds);

/* cshim_spawn, and fd 5 of the child = metrics_fd (minimaster's metrics region) when >= 0. */
pid_t cshim_spawn_service(const char *path, char *const argv[], char *const envp[],
                          int status_fd, int listen_fd, int metrics_fd, long maxfds);

/* pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start (no window for a
 * concurrent fork to inherit them). */
int cshim_pipe_cloexec(int fds[2]);

/* fork(2): 0 in the child, the pid in the parent, -1 with errno. Only for daemonizing, while
 * the process has a single thread. */
pid_t cshim_fork(void);

/* accept(2) of a connection on `fd`, close-on-exec (accept4 with SOCK_CLOEXEC). */
int cshim_accept_cloexec(int fd);

/* Accept lock (Cyrus's lockaccept/unlockaccept): an exclusive fcntl write lock on the whole
 * file. cshim_lock_wait blocks (F_SETLKW) and returns -1 with errno EINTR when a signal
 * interrupts it. cshim_lock_holder returns the pid holding a conflicting lock on `fd`
 * (F_GETLK), 0 if the file is not locked, -1 on error. */
int cshim_lock_wait(int fd);
/* The same lock without waiting (F_SETLK), e.g. for minimaster's pidfile: 0, or -1 with errno
 * (EAGAIN/EACCES: another process holds it). */
int cshim_try_lock(int fd);
int cshim_unlock(int fd);
pid_t cshim_lock_holder(int fd);

/* An exclusive open-file-description lock (F_OFD_SETLK) on the one byte at `offset`: held by
 * the open file, not the process, so two opens in one process conflict; the kernel drops it
 * when the last descriptor of that open file closes (the process exiting or killed).
 * 0, or -1 with errno (EAGAIN/EACCES: held elsewhere). */
int cshim_byte_try_lock(int fd, long long offset);
int cshim_byte_unlock(int fd, long long offset);

/* Whether `sig` has a handler installed in process `pid` (its SigCgt mask in
 * /proc/<pid>/status): 1 yes, 0 no, -1 unknown (no such process, no /proc). */
int cshim_signal_caught_by(pid_t pid, int sig);

/* cshim_spawn without maxfds, and with fds 0, 1, 2 of the child taken from stdin_fd,
 * stdout_fd, stderr_fd (-1: inherited as they are). */
pid_t cshim_spawn_stdio(const char *path, char *const argv[], char *const envp[],
                        int status_fd, int listen_fd, int stdin_fd, int stdout_fd, int stderr_fd);

/* The wait(2) status macros. */
int cshim_wifexited(int status);
int cshim_wexitstatus(int status);
int cshim_wifsignaled(int status);
int cshim_wtermsig(int status);
int cshim_wcoredump(int status);

/* Shared counters (minimaster's metrics region, written by its children): single-writer
   relaxed loads and stores of aligned 64-bit words (plain moves, no lock prefix), and the one
   compare-and-swap a child makes to claim its slot. */
static inline uint64_t cshim_counter_load(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_RELAXED);
}
static inline void cshim_counter_store(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELAXED);
}
static inline void cshim_counter_add(uint64_t *word, uint64_t amount) {
    __atomic_store_n(word, __atomic_load_n(word, __ATOMIC_RELAXED) + amount, __ATOMIC_RELAXED);
}
/* Sets *word from `expected` to `desired` if it still holds `expected`: 1, else 0. */
static inline int cshim_counter_claim(uint64_t *word, uint64_t expected, uint64_t desired) {
    return __atomic_compare_exchange_n(word, &expected, desired, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ? 1 : 0;
}

/* memfd_create(name, MFD_CLOEXEC): an anonymous shared-memory file, or -1 with errno. */
int cshim_memfd(const char *name);

#endif
