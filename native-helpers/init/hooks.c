/* createContainer and startContainer hooks: run by the init, so they run in the container's namespaces with the
 * init's credentials at that point (runtime-spec: "MUST be executed in the container namespace").
 *
 * A createContainer hook's path resolves in the runtime's mount namespace: the runtime opens it (O_PATH) before
 * the init starts and RUN_HOOK execs that fd (execveat AT_EMPTY_PATH), whatever the container's mounts are by
 * then. A startContainer hook's path resolves in the container (after pivot_root): execve(path).
 * The hook gets the state JSON (from the runtime, HOOK_STATE) on stdin, its own args and env, and a pipe for
 * stdout and stderr whose first 4 KiB end up in the error message when it fails. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "init.h"

static char *state_buf;
static size_t state_len;

void op_hook_state(const struct op *op) {
  const char *status = arg_str(op, A_HOOK_STATE_status);
  enum { HDR = sizeof(struct msg_hdr), CAP = 1 << 20 };
  if (sync_send(MSG_SYNC, SYNC_HOOK_STATE, 0, status)) fail(errno, "send sync");
  char *buf = malloc(CAP);
  if (!buf) fail(ENOMEM, "allocate state buffer");
  ssize_t n;
  do n = recv(sync_fd, buf, CAP, MSG_TRUNC); while (n < 0 && errno == EINTR);
  uint32_t type = 0;
  if (n >= HDR) memcpy(&type, buf, 4);
  if (n < HDR || type != MSG_OK) _exit(1); /* EOF or abort: the runtime is cleaning up */
  if (n > CAP) fail(EMSGSIZE, "container state for hooks");
  free(state_buf);
  state_buf = buf;
  state_len = (size_t)n - HDR;
  memmove(state_buf, state_buf + HDR, state_len);
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void __attribute__((noreturn)) hook_child(int fd, const char *path, char **argv, char **envp, int in, int out) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(127);
  /* Like runc's hooks, only stdio: the preserved fds are the container's, not the hook's. */
  if (syscall(SYS_close_range, 3U, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */)) _exit(127);
  if (fd >= 0) {
    /* Not close-on-exec: a script's interpreter opens it as /dev/fd/N. */
    fcntl(fd, F_SETFD, 0);
    syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
  } else {
    execve(path, argv, envp);
  }
  dprintf(2, "exec: %s", strerror(errno));
  _exit(127);
}

void op_run_hook(const struct op *op) {
  uint32_t fdarg = (uint32_t)arg_num(op, A_RUN_HOOK_fd);
  int fd = fdarg == NO_FD ? -1 : (int)fdarg;
  const char *path = arg_str(op, A_RUN_HOOK_path);
  char **argv = arg_strv(op, A_RUN_HOOK_argv);
  char **envp = arg_strv(op, A_RUN_HOOK_envp);
  uint32_t timeout = (uint32_t)arg_num(op, A_RUN_HOOK_timeout);
  fail_where = arg_str(op, A_RUN_HOOK_name);

  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) fail(errno, "hook %s: pipe", path);
  pid_t pid = fork();
  if (pid < 0) fail(errno, "hook %s: fork", path);
  if (pid == 0) hook_child(fd, path, argv, envp, in[0], out[1]);
  close(in[0]);
  close(out[1]);
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) fail(errno, "hook %s: pidfd_open", path);
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;
  sigaction(SIGPIPE, &ign, &old);

  char output[4096];
  size_t outlen = 0, written = 0;
  int to_write = in[1], from_hook = out[0];
  long deadline = timeout ? now_ms() + 1000L * timeout : 0;
  int timed_out = 0;
  for (;;) {
    /* A negative fd is not polled: stdin written or closed, stdout at EOF (the hook may run on). */
    struct pollfd p[3] = { { pidfd, POLLIN, 0 }, { from_hook, POLLIN, 0 }, { to_write, POLLOUT, 0 } };
    long wait = deadline ? deadline - now_ms() : -1;
    if (deadline && wait <= 0) { timed_out = 1; break; }
    int r = poll(p, 3, (int)(wait > 0x7fffffff ? 0x7fffffff : wait));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(errno, "hook %s: poll", path);
    if (p[1].revents) {
      char buf[4096];
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n == 0) from_hook = -1;
      if (n > 0 && outlen < sizeof output) {
        size_t take = (size_t)n < sizeof output - outlen ? (size_t)n : sizeof output - outlen;
        memcpy(output + outlen, buf, take);
        outlen += take;
      }
    }
    if (to_write >= 0 && p[2].revents) {
      ssize_t n = state_len > written ? write(to_write, state_buf + written, state_len - written) : 0;
      if (n > 0) written += (size_t)n;
      if ((n < 0 && errno != EAGAIN) || written >= state_len) {
        close(to_write); /* EOF on the hook's stdin (or it stopped reading: fine) */
        to_write = -1;
      }
    }
    if (p[0].revents) break;
  }
  if (timed_out) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  /* What is left in the pipe (a background child of the hook may hold it open: do not wait for EOF). */
  for (ssize_t n; outlen < sizeof output && (n = read(out[0], output + outlen, sizeof output - outlen)) > 0;) outlen += (size_t)n;
  if (to_write >= 0) close(to_write);
  close(out[0]);
  close(pidfd);
  /* A createContainer hook's executable is a host file: its fd is not kept into the container. */
  if (fd >= 0) close(fd);
  sigaction(SIGPIPE, &old, NULL);
  free(argv);
  free(envp);

  while (outlen > 0 && (output[outlen - 1] == '\n' || output[outlen - 1] == ' ')) outlen--;
  const char *sep = outlen ? ": " : "";
  if (timed_out) fail(0, "hook %s timed out after %u s%s%.*s", path, timeout, sep, (int)outlen, output);
  if (WIFSIGNALED(status)) fail(0, "hook %s killed by signal %d%s%.*s", path, WTERMSIG(status), sep, (int)outlen, output);
  if (WEXITSTATUS(status)) fail(0, "hook %s exited with status %d%s%.*s", path, WEXITSTATUS(status), sep, (int)outlen, output);
  fail_where = NULL;
}
