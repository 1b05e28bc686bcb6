/* hako-init entry point: read the plan, validate all of it, then run it op by op.
 * Started by libhako's spawn with: fds 0-2 stdio, 3.. preserved fds, argv[1] = base;
 * base = sync socket, base+1 = plan memfd, base+2 = this program's own (sealed) executable,
 * base+3.. = fds the plan's ops name by number. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#define HAKO_INIT_DISPATCH /* ops.h: op_handlers, the table of every op's handler */
#include "init.h"

static uint8_t *read_plan(int fd, size_t *len) {
  struct stat st;
  if (fstat(fd, &st)) fail(errno, "read plan");
  if (st.st_size <= 0) fail(EINVAL, "read plan: empty");
  uint8_t *buf = malloc((size_t)st.st_size);
  if (!buf) fail(ENOMEM, "read plan");
  size_t off = 0;
  while (off < (size_t)st.st_size) {
    ssize_t n = pread(fd, buf + off, (size_t)st.st_size - off, (off_t)off);
    if (n <= 0) fail(n < 0 ? errno : EIO, "read plan");
    off += (size_t)n;
  }
  close(fd);
  *len = off;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    dprintf(2, "hako-init is started by the hako runtime, not by hand\n");
    return 2;
  }
  int base = atoi(argv[1]);
  sync_fd = base;
  init_fd_base = base;
  /* Never let the container ptrace or open /proc/<pid>/ files of this process while it works in its namespaces. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* Exact modes for the nodes and directories we create; the process's umask is set by the plan. */
  umask(0);
  /* Our own fds (the sync socket among them) must not reach the container: they close on exec (preserved fds
   * below base stay). Without this the runtime would never see EOF at EXEC. */
  if (cloexec_init_fds()) fail(errno, "mark the init's fds close-on-exec");
  close(base + 2); /* our executable: running, not needed as an fd */
  procfs_init();

  size_t len;
  uint8_t *buf = read_plan(base + 1, &len);
  struct op *ops;
  uint32_t nops;
  const char *why = "";
  if (plan_decode(buf, len, &ops, &nops, &why)) fail(EINVAL, "invalid plan: %s", why);
  for (uint32_t i = 0; i < nops; i++) if (ops[i].code == OP_EXEC) exec_prepare(&ops[i]);
  for (uint32_t i = 0; i < nops; i++) {
    current_op = (int)i;
    op_handlers[ops[i].code](&ops[i]);
  }
  current_op = -1;
  fail(EINVAL, "plan ended without EXEC");
}
