/* Op SECCOMP: install the BPF program the runtime compiled (src/seccomp/), and with a listener hand its fd to
 * the runtime. Everything this op does after seccomp(2) runs under the container's filter, so it makes one
 * system call: sendmsg (src/seccomp/profile.ts refuses SCMP_ACT_NOTIFY for it, which would deadlock). The fds the
 * plan did not pass are made close-on-exec first: EXEC does it again, which the filter may deny. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

static void send_listener(int fd) {
  if (sync_send_fd(MSG_SECCOMP_LISTENER, fd)) fail(errno, "send the seccomp listener fd to the runtime");
  /* The kernel made the listener close-on-exec: it is gone at EXEC without another system call here. */
}

void op_seccomp(const struct op *op) {
  const struct arg *filter = &op->args[A_SECCOMP_filter];
  unsigned flags = (unsigned)arg_num(op, A_SECCOMP_flags);
  size_t count = filter->len / sizeof(struct sock_filter);
  if (filter->len % sizeof(struct sock_filter) || count == 0 || count > BPF_MAXINSNS)
    fail(EINVAL, "seccomp filter of %zu instructions (the kernel accepts 1 to %d)", count, BPF_MAXINSNS);
  /* The payload sits at any offset in the plan buffer: copy it to aligned memory. */
  struct sock_filter *insns = calloc(count, sizeof *insns);
  if (!insns) fail(ENOMEM, "allocate seccomp filter");
  memcpy(insns, filter->data, filter->len);
  struct sock_fprog prog = { .len = (unsigned short)count, .filter = insns };
  if (cloexec_init_fds()) fail(errno, "mark the init's fds close-on-exec");
  long ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (ret < 0) fail(errno, "install seccomp filter");
  if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) send_listener((int)ret);
}
