/* Process and namespace ops: sync points, joining and creating namespaces, the pid-namespace fork, the names and
 * the keyring of the container, and the /proc/self values written before FORK. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

void op_sync(const struct op *op) {
  if (sync_send(MSG_SYNC, (uint32_t)arg_num(op, A_SYNC_kind), 0, NULL)) fail(errno, "send sync");
  sync_wait_ok();
}

void op_setns(const struct op *op) {
  if (setns((int)arg_num(op, A_SETNS_fd), (int)arg_num(op, A_SETNS_nstype))) fail(errno, "setns");
  close((int)arg_num(op, A_SETNS_fd));
}

void op_unshare(const struct op *op) {
  if (unshare((int)arg_num(op, A_UNSHARE_flags))) fail(errno, "unshare");
}

void op_fork(const struct op *op) {
  (void)op;
  /* CLONE_PARENT: the container process becomes the runtime's child, so it is reparented to the caller's
   * subreaper when the runtime exits; this intermediate process only reports the pid and leaves. */
  long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) fail(errno, "clone");
  if (pid > 0) {
    sync_send(MSG_CHILD_PID, (uint32_t)pid, 0, NULL);
    _exit(0);
  }
  sync_wait_ok();
}

void op_oom_score_adj(const struct op *op) {
  procfs_write("self/oom_score_adj", arg_str(op, A_OOM_SCORE_ADJ_value));
}

void op_timens_offsets(const struct op *op) {
  procfs_write("self/timens_offsets", arg_str(op, A_TIMENS_OFFSETS_offsets));
}

void op_sethostname(const struct op *op) {
  const char *name = arg_str(op, A_SETHOSTNAME_name);
  if (sethostname(name, strlen(name))) fail(errno, "sethostname");
}

void op_setdomainname(const struct op *op) {
  const char *name = arg_str(op, A_SETDOMAINNAME_name);
  if (setdomainname(name, strlen(name))) fail(errno, "setdomainname");
}

/* A session keyring of the container's own, so it does not share the caller's keys (runc does the same;
 * --no-new-keyring skips it). A kernel without keyrings (ENOSYS) is fine. */
void op_session_keyring(const struct op *op) {
  long id = syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, arg_str(op, A_SESSION_KEYRING_name));
  if (id < 0) {
    if (errno == ENOSYS) return;
    fail(errno, "join session keyring");
  }
  char desc[512];
  long n = syscall(SYS_keyctl, 6 /* KEYCTL_DESCRIBE */, id, desc, sizeof desc - 1);
  if (n < 0) fail(errno, "describe session keyring");
  desc[n < (long)sizeof desc ? n : (long)sizeof desc - 1] = 0;
  /* "type;uid;gid;perm;description": perm is the fourth field, in hex. */
  char *field = desc;
  for (int i = 0; i < 3 && field; i++) field = strchr(field, ';') ? strchr(field, ';') + 1 : NULL;
  if (!field) fail(EINVAL, "parse session keyring description");
  unsigned long perm = strtoul(field, NULL, 16) | (unsigned long)arg_num(op, A_SESSION_KEYRING_perm);
  if (syscall(SYS_keyctl, 5 /* KEYCTL_SETPERM */, id, perm) < 0) fail(errno, "set session keyring permissions");
}
