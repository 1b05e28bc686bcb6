/* Start: the exec fifo, the executable's lookup, and the final exec. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "init.h"

static int fifo_fd = -1;
static char exec_path[4096];
static char **exec_argv, **exec_envp;

void op_prepare_fifo(const struct op *op) {
  struct stat st;
  fifo_fd = (int)arg_num(op, A_PREPARE_FIFO_fd);
  if (fstat(fifo_fd, &st)) fail(errno, "stat exec fifo");
  if (!S_ISFIFO(st.st_mode)) fail(EINVAL, "the exec fifo is not a fifo");
}

void op_wait_fifo(const struct op *op) {
  (void)op;
  int fd;
  do fd = procfs_reopen(fifo_fd, O_WRONLY); while (fd < 0 && errno == EINTR);
  if (fd < 0) fail(errno, "open exec fifo");
  if (write(fd, "0", 1) != 1) fail(errno, "write exec fifo");
  /* Kept open until EXEC closes it: `start` reads until EOF, and a later failure is written here for it. */
  fifo_report_fd = fd;
  close(fifo_fd);
}

/* Like Go's exec.LookPath, as runc does: a regular file with an execute bit. */
static int executable(const char *path) {
  struct stat st;
  if (stat(path, &st)) return -1;
  if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) return errno = EACCES, -1;
  return 0;
}

void op_resolve_exec(const struct op *op) {
  const char *file = arg_str(op, A_RESOLVE_EXEC_file);
  const char *path = arg_str(op, A_RESOLVE_EXEC_path);
  if (strchr(file, '/')) {
    if (executable(file)) fail(errno, "exec: \"%s\"", file);
    snprintf(exec_path, sizeof exec_path, "%s", file);
    return;
  }
  /* As Go's LookPath: an empty PATH has no directories; an empty element in it is the current directory. */
  for (const char *p = path; *path;) {
    const char *end = strchrnul(p, ':');
    int n = (int)(end - p);
    snprintf(exec_path, sizeof exec_path, "%.*s/%s", n ? n : 1, n ? p : ".", file);
    if (executable(exec_path) == 0) return;
    if (!*end) break;
    p = end + 1;
  }
  exec_path[0] = 0;
  fail(ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

/* Decoded before the first op runs (main.c): after SECCOMP, EXEC must not allocate (the container's filter may
 * deny brk or mmap). */
void exec_prepare(const struct op *op) {
  exec_argv = arg_strv(op, A_EXEC_argv);
  exec_envp = arg_strv(op, A_EXEC_envp);
}

/* argv[0] itself unless RESOLVE_EXEC ran. Only stdio and the preserved fds stay open across it (runc's
 * CloseExecFrom): whatever else the init holds, a host fd above all, never reaches the process. */
void op_exec(const struct op *op) {
  (void)op;
  const char *file = exec_path[0] ? exec_path : exec_argv[0];
  if (cloexec_init_fds()) fail(errno, "mark the init's fds close-on-exec");
  execve(file, exec_argv, exec_envp);
  fail(errno, "exec %s", file);
}
