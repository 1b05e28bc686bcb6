/* libhako: the few system calls the runtime (Node, through koffi) cannot make itself.
 * hako_spawn is the only code that runs in a fresh child of the multithreaded Node process: between clone
 * and execveat it makes async-signal-safe system calls only (no malloc, no stdio, no locks). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define MAX_FDS 256

/* Child side of hako_spawn. map: triples (src, dst, cloexec). report_fd, a map source, is where a failure goes:
 * its copy above every fd in play while the slots are filled, then its slot. */
static void __attribute__((noreturn)) spawn_child(int exe_fd, const int *map, int n, char *const argv[],
                                                  char *const envp[], int report_fd) {
  sigset_t none;
  int maxfd = exe_fd;
  sigemptyset(&none);
  /* Node ignores SIGPIPE and has handlers: the init starts from default dispositions, nothing blocked. */
  for (int sig = 1; sig < _NSIG; sig++) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
  }
  sigprocmask(SIG_SETMASK, &none, NULL);

  for (int i = 0; i < n; i++) {
    if (map[3 * i] > maxfd) maxfd = map[3 * i];
    if (map[3 * i + 1] > maxfd) maxfd = map[3 * i + 1];
  }
  /* Two passes so that no source is overwritten before it is copied: first above every fd in play. */
  int tmp[MAX_FDS], report = -1;
  for (int i = 0; i < n; i++) {
    tmp[i] = fcntl(map[3 * i], F_DUPFD_CLOEXEC, maxfd + 1);
    if (tmp[i] < 0 && !(errno == EBADF && map[3 * i + 1] <= 2)) goto fail;
    if (map[3 * i] == report_fd) report = i;
  }
  /* The second pass overwrites sources: until it is done, a failure is reported through the copy. */
  if (report >= 0 && tmp[report] >= 0) report_fd = tmp[report];
  int top = 0;
  for (int i = 0; i < n; i++) {
    int dst = map[3 * i + 1];
    if (dst > top) top = dst;
    if (tmp[i] < 0) { close(dst); continue; } /* a closed stdio fd stays closed */
    if (dup3(tmp[i], dst, map[3 * i + 2] ? O_CLOEXEC : 0) < 0) goto fail;
  }
  if (report >= 0) report_fd = map[3 * report + 1]; /* the copies are closed below */
  /* Close everything else: the holes below the highest slot and all above it. */
  for (int fd = 0; fd < top; fd++) {
    int used = 0;
    for (int i = 0; i < n; i++) used |= map[3 * i + 1] == fd;
    if (!used) close(fd);
  }
  /* Nothing of Node's may reach the init. */
  if (syscall(SYS_close_range, (unsigned)top + 1, ~0U, 0)) goto fail;
  syscall(SYS_execveat, exe_fd, "", argv, envp, AT_EMPTY_PATH);
fail:;
  int err = errno;
  /* Tell the runtime why: a MSG_ERROR-shaped record {type=5, op=-1, err, arg=0}. */
  int32_t rec[4] = { 5, -1, err, 0 };
  send(report_fd, rec, sizeof rec, MSG_NOSIGNAL);
  _exit(127);
}

/* Clone a child that execs the init program at exe_fd with fds arranged as `map` says.
 * Returns the pid (and a pidfd in *pidfd) or -errno. exe_fd is a map destination, report_fd a map source
 * (the sync socket, where an exec failure is reported). */
int hako_spawn(int exe_fd, const int *map, int n, char *const argv[], char *const envp[], int report_fd, int *pidfd) {
  if (n < 0 || n > MAX_FDS) return -EINVAL;
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_PIDFD;
  ca.pidfd = (uint64_t)(uintptr_t)pidfd;
  ca.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid < 0) return -errno;
  if (pid == 0) spawn_child(exe_fd, map, n, argv, envp, report_fd);
  return (int)pid;
}

int hako_socketpair(int *out) {
  return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, out) ? -errno : 0;
}

/* Send one message, with up to 8 fds attached (SCM_RIGHTS). */
int hako_send(int fd, const void *buf, int len, const int *fds, int nfds) {
  struct iovec iov = { (void *)buf, (size_t)len };
  char cbuf[CMSG_SPACE(sizeof(int) * 8)];
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (nfds > 8) return -EINVAL;
  if (nfds > 0) {
    memset(cbuf, 0, sizeof cbuf);
    mh.msg_control = cbuf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
  }
  ssize_t r;
  do r = sendmsg(fd, &mh, MSG_NOSIGNAL); while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : (int)r;
}

/* Receive one message within timeout_ms (-1: wait forever). Returns its length, 0 at EOF, -errno
 * (-ETIMEDOUT). Received fds (up to maxfds, close-on-exec) go to fds, their count to *nfds. */
int hako_recv(int fd, void *buf, int cap, int *fds, int maxfds, int *nfds, int timeout_ms) {
  struct pollfd p = { fd, POLLIN, 0 };
  int r;
  *nfds = 0;
  do r = poll(&p, 1, timeout_ms); while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  if (r == 0) return -ETIMEDOUT;
  struct iovec iov = { buf, (size_t)cap };
  char cbuf[CMSG_SPACE(sizeof(int) * 8)];
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  ssize_t n;
  do n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    int got[8];
    memcpy(got, CMSG_DATA(c), sizeof(int) * (size_t)count);
    for (int i = 0; i < count; i++) {
      if (*nfds < maxfds) fds[(*nfds)++] = got[i];
      else close(got[i]);
    }
  }
  return (int)n;
}

/* A sealed, close-on-exec memfd holding `len` bytes: nobody can change it once sealed. */
int hako_sealed_memfd(const char *name, const void *data, int len) {
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -errno;
  for (int off = 0; off < len;) {
    ssize_t w = write(fd, (const char *)data + off, (size_t)(len - off));
    if (w < 0) { int e = errno; close(fd); return -e; }
    off += (int)w;
  }
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* A sealed memfd copy of the file at path (the init binary): the container can reach the running init's
 * executable through /proc/PID/exe, and a sealed copy is all it finds there (CVE-2019-5736). */
int hako_sealed_copy(const char *path, const char *name) {
  int src = open(path, O_RDONLY | O_CLOEXEC);
  if (src < 0) return -errno;
  struct stat st;
  if (fstat(src, &st)) { int e = errno; close(src); return -e; }
  void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, src, 0);
  close(src);
  if (map == MAP_FAILED) return -errno;
  int fd = hako_sealed_memfd(name, map, (int)st.st_size);
  munmap(map, (size_t)st.st_size);
  return fd;
}

/* waitpid without EINTR; returns pid, 0 (WNOHANG, still running) or -errno. */
int hako_waitpid(int pid, int *status, int flags) {
  int r;
  do r = waitpid(pid, status, flags | __WALL); while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

int hako_mkfifo(const char *path, int mode) {
  return mkfifo(path, (mode_t)mode) ? -errno : 0;
}

int hako_set_subreaper(void) {
  return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) ? -errno : 0;
}

/* A plain close-on-exec memfd (seccomp_export_bpf writes the compiled filter into one). */
int hako_memfd(const char *name) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

/* Whether the kernel knows a SECCOMP_FILTER_FLAG_* (libseccomp's way): with a NULL program a known flag
 * fails with EFAULT, an unknown one with EINVAL. Nothing is installed. Returns 1, 0 or -errno. */
int hako_seccomp_flag_supported(unsigned int flags) {
  long r = syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, flags, NULL);
  if (r >= 0) return -EINVAL; /* cannot happen with a NULL program */
  if (errno == EFAULT) return 1;
  return errno == EINVAL ? 0 : -errno;
}

/* ---- terminals, notify sockets, pipes (exec, console, NOTIFY_SOCKET) ---- */

/* A close-on-exec AF_UNIX socket of `type` (SOCK_STREAM, SOCK_DGRAM) connected (bind == 0) or bound
 * (bind == 1) to path. "@name" is an abstract address. A path too long for sun_path is reached through an
 * O_PATH fd of its directory (/proc/self/fd/N/name). */
int hako_unix_socket(const char *path, int type, int bind_it) {
  struct sockaddr_un sa;
  socklen_t len;
  int dirfd = -1;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  size_t plen = strlen(path);
  if (plen == 0) return -EINVAL;
  if (path[0] == '@') {
    if (plen > sizeof sa.sun_path) return -ENAMETOOLONG;
    memcpy(sa.sun_path + 1, path + 1, plen - 1);
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
  } else {
    if (plen >= sizeof sa.sun_path) {
      const char *slash = strrchr(path, '/');
      char dir[4096];
      if (!slash || (size_t)(slash - path) >= sizeof dir) return -ENAMETOOLONG;
      memcpy(dir, path, (size_t)(slash - path));
      dir[slash - path] = 0;
      dirfd = open(slash == path ? "/" : dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd < 0) return -errno;
      int n = snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", dirfd, slash + 1);
      if (n < 0 || (size_t)n >= sizeof sa.sun_path) { close(dirfd); return -ENAMETOOLONG; }
    } else {
      memcpy(sa.sun_path, path, plen);
    }
    len = (socklen_t)sizeof sa;
  }
  int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) { int e = errno; if (dirfd >= 0) close(dirfd); return -e; }
  int r;
  if (bind_it) r = bind(fd, (struct sockaddr *)&sa, len);
  else do r = connect(fd, (struct sockaddr *)&sa, len); while (r < 0 && errno == EINTR);
  int e = errno;
  if (dirfd >= 0) close(dirfd);
  if (r < 0) { close(fd); return -e; }
  return fd;
}

int hako_set_winsize(int fd, int rows, int cols) {
  struct winsize ws;
  memset(&ws, 0, sizeof ws);
  ws.ws_row = (unsigned short)rows;
  ws.ws_col = (unsigned short)cols;
  return ioctl(fd, TIOCSWINSZ, &ws) ? -errno : 0;
}

/* out[0] = rows, out[1] = cols. */
int hako_get_winsize(int fd, int *out) {
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws)) return -errno;
  out[0] = ws.ws_row;
  out[1] = ws.ws_col;
  return 0;
}

int hako_dup(int fd) {
  int r = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  return r < 0 ? -errno : r;
}

int hako_pipe(int *out) {
  return pipe2(out, O_CLOEXEC) ? -errno : 0;
}

/* poll one fd: its revents, 0 on timeout, -errno. */
int hako_poll(int fd, int events, int timeout_ms) {
  struct pollfd p = { fd, (short)events, 0 };
  int r;
  do r = poll(&p, 1, timeout_ms); while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  return r == 0 ? 0 : p.revents;
}

/* cfmakeraw on a terminal (runc's raw mode: also no output processing, unlike libuv's), its previous modes saved
 * into saved (cap bytes) for hako_tty_restore. Returns the size saved or -errno. */
int hako_tty_raw(int fd, void *saved, int cap) {
  struct termios t;
  if (cap < (int)sizeof t) return -EINVAL;
  if (tcgetattr(fd, &t)) return -errno;
  memcpy(saved, &t, sizeof t);
  cfmakeraw(&t);
  if (tcsetattr(fd, TCSANOW, &t)) return -errno;
  return (int)sizeof t;
}

int hako_tty_restore(int fd, const void *saved) {
  struct termios t;
  memcpy(&t, saved, sizeof t);
  return tcsetattr(fd, TCSANOW, &t) ? -errno : 0;
}
