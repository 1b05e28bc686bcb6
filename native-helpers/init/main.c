/* hako-init entry point: read the plan, validate all of it, then run it op by op.
 * Started by libhako's spawn with: fds 0-2 stdio, 3.. preserved fds, argv[1] = base;
 * base = sync socket, base+1 = plan memfd, base+2.. = fds the plan's ops name by number. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

static int fifo_fd = -1;
static int proc_fd_dir = -1;

void write_fd(int fd, const char *value, const char *path) {
  size_t len = strlen(value);
  ssize_t n = write(fd, value, len);
  if (n != (ssize_t)len) fail(n < 0 ? errno : EIO, "write %s", path);
  close(fd);
}

void write_file(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open %s", path);
  write_fd(fd, value, path);
}

/* A session keyring of the container's own, so it does not share the caller's keys (runc does the same;
 * --no-new-keyring skips it). A kernel without keyrings (ENOSYS) is fine. */
static void op_session_keyring(const struct op *op) {
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

static void op_fork(void) {
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

static void op_prepare_fifo(const struct op *op) {
  fifo_fd = (int)arg_num(op, A_PREPARE_FIFO_fd);
  /* After pivot_root the container may have no /proc: keep our fd directory to reopen the fifo through. */
  proc_fd_dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd_dir < 0) fail(errno, "open /proc/self/fd");
}

static void op_wait_fifo(void) {
  char name[16];
  snprintf(name, sizeof name, "%d", fifo_fd);
  int fd;
  do fd = openat(proc_fd_dir, name, O_WRONLY | O_CLOEXEC); while (fd < 0 && errno == EINTR);
  if (fd < 0) fail(errno, "open exec fifo");
  if (write(fd, "0", 1) != 1) fail(errno, "write exec fifo");
  /* Kept open until EXEC closes it: `start` reads until EOF, and a later failure is written here for it. */
  fifo_report_fd = fd;
  close(fifo_fd);
  close(proc_fd_dir);
}

static void run(const struct op *op) {
  switch (op->code) {
  case OP_SYNC:
    if (sync_send(MSG_SYNC, (uint32_t)arg_num(op, A_SYNC_kind), 0, NULL)) fail(errno, "send sync");
    sync_wait_ok();
    break;
  case OP_SETNS:
    if (setns((int)arg_num(op, A_SETNS_fd), (int)arg_num(op, A_SETNS_nstype))) fail(errno, "setns");
    close((int)arg_num(op, A_SETNS_fd));
    break;
  case OP_UNSHARE:
    if (unshare((int)arg_num(op, A_UNSHARE_flags))) fail(errno, "unshare");
    break;
  case OP_FORK: op_fork(); break;
  case OP_OOM_SCORE_ADJ: write_file("/proc/self/oom_score_adj", arg_str(op, A_OOM_SCORE_ADJ_value)); break;
  case OP_TIMENS_OFFSETS: write_file("/proc/self/timens_offsets", arg_str(op, A_TIMENS_OFFSETS_offsets)); break;
  case OP_SETHOSTNAME: {
    const char *name = arg_str(op, A_SETHOSTNAME_name);
    if (sethostname(name, strlen(name))) fail(errno, "sethostname");
    break;
  }
  case OP_SESSION_KEYRING: op_session_keyring(op); break;
  case OP_SETDOMAINNAME: {
    const char *name = arg_str(op, A_SETDOMAINNAME_name);
    if (setdomainname(name, strlen(name))) fail(errno, "setdomainname");
    break;
  }
  case OP_SET_PROPAGATION:
    if (mount(NULL, arg_str(op, A_SET_PROPAGATION_path), NULL, arg_num(op, A_SET_PROPAGATION_flags), NULL))
      fail(errno, "set propagation of %s", arg_str(op, A_SET_PROPAGATION_path));
    break;
  case OP_ROOTFS_OPEN: op_rootfs_open(op); break;
  case OP_MOUNT: op_mount(op); break;
  case OP_MKNOD: op_mknod(op); break;
  case OP_SYMLINK: op_symlink(op); break;
  case OP_MKDIR: op_mkdir(op); break;
  case OP_PIVOT_ROOT: op_pivot_root(); break;
  case OP_MOVE_ROOT: op_move_root(); break;
  case OP_MASK_PATH: op_mask_path(op); break;
  case OP_READONLY_PATH: op_readonly_path(op); break;
  case OP_REMOUNT_ROOT: op_remount_root(op); break;
  case OP_ROOT_PROPAGATION:
    if (mount(NULL, "/", NULL, arg_num(op, A_ROOT_PROPAGATION_flags), NULL)) fail(errno, "set propagation of /");
    break;
  case OP_SYSCTL: op_sysctl(op); break;
  case OP_CHDIR:
    if (chdir(arg_str(op, A_CHDIR_path))) fail(errno, "chdir to cwd %s", arg_str(op, A_CHDIR_path));
    break;
  case OP_SETRLIMIT: op_setrlimit(op); break;
  case OP_RESOLVE_EXEC: op_resolve_exec(op); break;
  case OP_CAP_BOUNDING: op_cap_bounding(op); break;
  case OP_KEEPCAPS:
    if (prctl(PR_SET_KEEPCAPS, (unsigned long)arg_num(op, A_KEEPCAPS_on), 0, 0, 0)) fail(errno, "set keepcaps");
    break;
  case OP_SET_IDS: op_set_ids(op); break;
  case OP_CAP_SET: op_cap_set(op); break;
  case OP_UMASK: umask((mode_t)arg_num(op, A_UMASK_mask)); break;
  case OP_NO_NEW_PRIVS:
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) fail(errno, "set no_new_privs");
    break;
  case OP_SECCOMP: op_seccomp(op); break;
  case OP_PREPARE_FIFO: op_prepare_fifo(op); break;
  case OP_WAIT_FIFO: op_wait_fifo(); break;
  case OP_EXEC: op_exec(); break;
  case OP_CONSOLE: op_console(op); break;
  case OP_PERSONALITY: op_personality(op); break;
  case OP_IOPRIO: op_ioprio(op); break;
  case OP_SCHEDULER: op_scheduler(op); break;
  case OP_CPU_AFFINITY: op_cpu_affinity(op); break;
  case OP_MEMPOLICY: op_mempolicy(op); break;
  case OP_EXEC_LABEL: op_exec_label(op); break;
  case OP_HOOK_STATE: op_hook_state(op); break;
  case OP_RUN_HOOK: op_run_hook(op); break;
  case OP_MOUNT_TREE: op_mount_tree(op); break;
  default: fail(EINVAL, "unknown op %u", op->code);
  }
}

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
  /* Never let the container ptrace or open /proc/<pid>/ files of this process while it works in its namespaces. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* Exact modes for the nodes and directories we create; the process's umask is set by the plan. */
  umask(0);
  /* Our own fds (the sync socket among them) must not reach the container: they close on exec (preserved fds
   * below base stay). Without this the runtime would never see EOF at EXEC. */
  if (syscall(SYS_close_range, (unsigned)base, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */))
    fail(errno, "mark the init's fds close-on-exec");

  size_t len;
  uint8_t *buf = read_plan(base + 1, &len);
  struct op *ops;
  uint32_t nops;
  const char *why = "";
  if (plan_decode(buf, len, &ops, &nops, &why)) fail(EINVAL, "invalid plan: %s", why);
  for (uint32_t i = 0; i < nops; i++) if (ops[i].code == OP_EXEC) exec_prepare(&ops[i]);
  for (uint32_t i = 0; i < nops; i++) {
    current_op = (int)i;
    run(&ops[i]);
  }
  current_op = -1;
  fail(EINVAL, "plan ended without EXEC");
}
