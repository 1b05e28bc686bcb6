/* hako-init: the container's first program. It executes a plan computed by the runtime (TypeScript)
 * and holds no policy of its own: every decision it makes is a documented property of an operation. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "../ops.h"

struct arg {
  uint32_t type;
  uint32_t len;
  const uint8_t *data; /* payload inside the plan buffer */
  uint64_t num;        /* u32/u64 value */
};

struct op {
  uint32_t code;
  uint32_t nargs;
  struct arg args[OP_MAX_ARGS ? OP_MAX_ARGS : 1];
};

/* plan.c */
int plan_decode(const uint8_t *buf, size_t len, struct op **ops, uint32_t *nops, const char **why);
const char *arg_str(const struct op *op, int i);
uint64_t arg_num(const struct op *op, int i);
/* Lists decode into freshly allocated arrays (NULL-terminated for strv). */
char **arg_strv(const struct op *op, int i);
size_t arg_count(const struct op *op, int i);
uint32_t arg_u32v(const struct op *op, int i, size_t k);
uint64_t arg_u64v(const struct op *op, int i, size_t k);

/* sync.c: messages to and from the runtime over the SOCK_SEQPACKET sync socket */
struct msg_hdr {
  uint32_t type;
  int32_t op;
  int32_t err;
  uint32_t arg;
};
extern int sync_fd;
extern int current_op;
int sync_send(uint32_t type, uint32_t arg, int err, const char *text);
void sync_wait_ok(void); /* returns on MSG_OK; exits quietly on MSG_ABORT, EOF or garbage */
/* One message of `len` bytes carrying one fd (SCM_RIGHTS); 0, or -1 with errno. */
int send_with_fd(int sock, const void *data, size_t len, int fd);
/* A message header of `type` to the runtime, carrying fd. */
int sync_send_fd(uint32_t type, int fd);
/* Report a failure of the current op (errno err) and exit 1. */
__attribute__((noreturn, format(printf, 2, 3))) void fail(int err, const char *fmt, ...);

/* main.c: write all of value to a file (O_WRONLY, close-on-exec), or fail naming path. */
void write_file(const char *path, const char *value);
/* The same for an open fd, which it closes. */
void write_fd(int fd, const char *value, const char *path);

/* fs.c */
extern int root_fd;
int open_in_root(const char *path, int flags);
/* mkdir -p in root; the last component a regular file when as_file. Returns an O_PATH fd of it, or -1. */
int mkdir_in_root(const char *path, int as_file);
/* "/proc/self/fd/N": how a mount names an fd's file (mount(2) takes paths). */
typedef char fdpath_t[32];
const char *fdpath(fdpath_t buf, int fd);
/* After a mount at dst (fd: the mount, reopened): each propagation change in order, then recursive mount
 * attributes (mount_setattr AT_RECURSIVE). Shared by MOUNT and MOUNT_TREE, whose arguments have these names. */
void mount_finish(int fd, const char *dst, const struct op *op, int propagation_arg, int attr_set_arg, int attr_clr_arg);
void op_rootfs_open(const struct op *op);
void op_mount(const struct op *op);
void op_mknod(const struct op *op);
void op_symlink(const struct op *op);
void op_mkdir(const struct op *op);
void op_pivot_root(void);
void op_move_root(void);
void op_mask_path(const struct op *op);
void op_readonly_path(const struct op *op);
void op_remount_root(const struct op *op);
void op_sysctl(const struct op *op);

/* creds.c */
void op_setrlimit(const struct op *op);
void op_cap_bounding(const struct op *op);
void op_set_ids(const struct op *op);
void op_cap_set(const struct op *op);
void op_resolve_exec(const struct op *op);
void op_exec(void);
void exec_prepare(const struct op *op);

/* console.c */
void op_console(const struct op *op);

/* seccomp.c */
void op_seccomp(const struct op *op);

/* proc.c: process attributes */
void op_personality(const struct op *op);
void op_ioprio(const struct op *op);
void op_scheduler(const struct op *op);
void op_cpu_affinity(const struct op *op);
void op_mempolicy(const struct op *op);
void op_exec_label(const struct op *op);

/* hooks.c: createContainer and startContainer hooks, run by the init in the container's namespaces */
void op_hook_state(const struct op *op);
void op_run_hook(const struct op *op);
/* After `start` (WAIT_FIFO): the exec fifo's write end, kept open (close-on-exec) until EXEC so that a failure
 * (a startContainer hook) reaches `start`, which reads until EOF; -1 before. `fail_where` names the failing
 * config field in that report. */
extern int fifo_report_fd;
extern const char *fail_where;

/* mount-tree.c: idmapped mounts */
void op_mount_tree(const struct op *op);
