/* hako-init: the container's first program. It executes a plan computed by the runtime (TypeScript)
 * and holds no policy of its own: every decision it makes is a documented property of an operation.
 *
 * Its files form layers; each calls only into the layers below it:
 *   main.c                 start-up, the plan decoded and checked, the op loop (op_handlers, generated in ops.h)
 *   ns.c fs.c creds.c seccomp.c start.c console.c proc.c hooks.c mount-tree.c
 *                          the ops, one file per section of ops.def; they never call each other
 *   mount.c                mounts: built detached, flags set, attached to an fd (or mount(2), verified)
 *   procfs.c               the init's own procfs handle, for every /proc access
 *   resolve.c              paths inside the root
 *   plan.c io.c            the plan's arguments; writing a value, facts about an fd
 *   sync.c                 the sync socket and fail()
 * (src/plan/ops.test.ts checks that the calls between the files have no loop.)
 */
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

/* ---- sync.c: messages to and from the runtime over the SOCK_SEQPACKET sync socket ---- */
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
/* After `start` (WAIT_FIFO): the exec fifo's write end, kept open (close-on-exec) until EXEC so that a failure
 * (a startContainer hook) reaches `start`, which reads until EOF; -1 before. `fail_where` names the failing
 * config field in that report. */
extern int fifo_report_fd;
extern const char *fail_where;

/* ---- plan.c: decoding and validation of the binary plan ---- */
int plan_decode(const uint8_t *buf, size_t len, struct op **ops, uint32_t *nops, const char **why);
const char *arg_str(const struct op *op, int i);
uint64_t arg_num(const struct op *op, int i);
/* Lists decode into freshly allocated arrays (NULL-terminated for strv). */
char **arg_strv(const struct op *op, int i);
size_t arg_count(const struct op *op, int i);
uint32_t arg_u32v(const struct op *op, int i, size_t k);
uint64_t arg_u64v(const struct op *op, int i, size_t k);

/* ---- io.c ---- */
/* Write all of value to fd and close it, or fail naming `what`. */
void write_fd(int fd, const char *value, const char *what);
/* openat2(dirfd, path, flags | O_CLOEXEC, resolve), again on EAGAIN (a rename elsewhere raced the walk). */
int openat2_cloexec(int dirfd, const char *path, int flags, uint64_t resolve);
/* The id of the mount fd is on (statx STATX_MNT_ID, as in mountinfo); 0, or -1 with errno. */
int fd_mount_id(int fd, uint64_t *id);
/* Whether fd is the root of its mount: 1, 0, or -1 with errno. */
int fd_is_mount_root(int fd);
/* The init's own fds start at this number (argv[1]); those below are stdio and the preserved fds. */
extern int init_fd_base;
/* Every fd from init_fd_base up made close-on-exec, so that exactly stdio and the preserved fds reach the
 * container's process. Once it worked, a later failure (under a seccomp filter that denies it) is fine. */
int cloexec_init_fds(void);

/* ---- resolve.c: paths inside the root (root_fd: the rootfs before PIVOT_ROOT, "/" after) ---- */
extern int root_fd;
/* openat2(root_fd, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve), close-on-exec. */
int open_in_root(const char *path, int flags, uint64_t extra_resolve);
/* mkdir -p in root; the last component a regular file when as_file. With `exact`, no component may be a symlink
 * (ELOOP). Returns an O_PATH fd of it, or -1. */
int mkdir_in_root(const char *path, int as_file, int exact);
/* mkdir -p of path's directory in root: its O_PATH fd, the last component copied to base. -1 with errno. */
int open_parent_in_root(const char *path, char *base, size_t basesz);

/* ---- procfs.c: every /proc access of the init goes through one handle that a container's mounts cannot
 * redirect: the runtime's /proc until pivot_root, then a private procfs instance, or (where the kernel refuses
 * one) the container's /proc verified to be a procfs mount root; paths under it never cross a mount (no
 * over-mounted file) nor follow a magic link. ---- */
void procfs_init(void);
/* Before pivot_root / MS_MOVE: a private instance of our pid namespace replaces the runtime's /proc. */
void procfs_before_pivot(void);
/* After it: without a private instance, the container's /proc, verified, or a failure (the exec fifo is reopened
 * through the procfs). */
void procfs_after_pivot(void);
/* The handle (a procfs root), or -1 with errno when there is none. */
int procfs_fd(void);
/* A file under the handle, e.g. "self/oom_score_adj"; -1 with errno. */
int procfs_open(const char *path, int flags);
/* Write value to a file under the handle, or fail naming /proc/<path>. */
void procfs_write(const char *path, const char *value);
/* Our own fd opened again with other flags (O_PATH -> O_WRONLY), through self/fd/N; -1 with errno. */
int procfs_reopen(int fd, int flags);

/* ---- start.c: EXEC's arguments, decoded before the first op runs (main.c) ---- */
void exec_prepare(const struct op *op);

/* ---- mount.c ---- */
enum mount_source {
  MOUNT_PATH,   /* a bind of the host path `path` */
  MOUNT_FD,     /* a bind of the file or directory open at `fd` */
  MOUNT_FS,     /* a new `fstype` filesystem: source `path`, options `data` */
  MOUNT_DETACHED, /* the detached mount at `fd` (idmapped, made by the runtime) */
};
struct mount_req {
  enum mount_source source;
  const char *path;          /* MOUNT_FD: the source's name, for messages */
  int fd;
  int recursive;             /* binds: with the mounts below the source */
  const char *fstype, *data;
  unsigned long flags;       /* MS_RDONLY, MS_NOSUID, ..., the atime modes, sync/dirsync... (new filesystems) */
  int exact_flags;           /* the mount gets exactly `flags`, a bind remount's meaning (else they are added) */
  uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for the whole tree */
  const struct op *op;       /* with op: its argument propagation_arg, each change in order after attaching */
  int propagation_arg;
  const char *dst;           /* the destination as configured, for messages and the fallback's check */
  uint64_t dst_resolve;      /* extra RESOLVE_* the destination was resolved with (the fallback reopens it so) */
};
/* Whether the kernel has the new mount API with mount_setattr (Linux 5.12); else mount(2) is used. */
int mount_api(void);
/* A source opened once: with the new API the detached mount (r->fd itself for MOUNT_DETACHED), else an O_PATH fd
 * of the bind source (-1 for a new filesystem); is_dir: whether its root is a directory. */
struct mount_src {
  int fd;
  int is_dir;
};
/* 0, or -1 with errno (mount_fail names the step). */
int mount_source(const struct mount_req *r, struct mount_src *s);
/* Sets the flags on the detached source and attaches it onto dst_fd (an fd resolved once), then sets the
 * propagation; consumes s. With `mounted`, *mounted is an fd of the new mount's root. 0, or -1 with errno. */
int mount_attach(const struct mount_req *r, struct mount_src *s, int dst_fd, int *mounted);
/* fail() naming the step of r that failed with err. */
__attribute__((noreturn)) void mount_fail(const struct mount_req *r, int err);
/* mount_source + mount_attach onto dst_fd, or fail. */
void mount_or_fail(const struct mount_req *r, int dst_fd);
/* mount_source, a mount point r->dst in root made like the source (file or directory; `exact`: reached without a
 * symlink), mount_attach; or fail. With a `fallback` host path, a new filesystem the kernel refuses with EPERM is
 * replaced by a recursive bind of it (r is changed to say so). */
void mount_in_root(struct mount_req *r, const char *fallback, int exact);
/* The mount whose root is fd gets the per-mount MS_* flags: exactly them (keeping what the kernel locked), or
 * added to its own. 0, or -1 with errno. */
int mount_set_flags(int fd, unsigned long flags, int exact);
/* One propagation change (MS_SHARED, ... | MS_REC) of the mount whose root is fd. */
int mount_propagate(int fd, uint64_t propagation);
