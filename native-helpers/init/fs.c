/* Filesystem ops: the rootfs, mounts, nodes and links in it, pivot_root, masked and read-only paths, sysctls and
 * the cwd. Paths inside the container are resolved once, in the root (resolve.c); mounts go through mount.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "init.h"

#define NOT_FLAGS (MS_BIND | MS_REC | MS_REMOUNT | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

void op_set_propagation(const struct op *op) {
  if (mount(NULL, arg_str(op, A_SET_PROPAGATION_path), NULL, arg_num(op, A_SET_PROPAGATION_flags), NULL))
    fail(errno, "set propagation of %s", arg_str(op, A_SET_PROPAGATION_path));
}

void op_rootfs_open(const struct op *op) {
  const char *path = arg_str(op, A_ROOTFS_OPEN_path);
  /* Its own mount (of itself, with what is mounted below it) is a mount point pivot_root accepts; the mount's root,
   * reached through the fd the mount was made with, is the container's root. */
  int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) fail(errno, "open rootfs %s", path);
  struct mount_req r = { .source = MOUNT_FD, .path = path, .fd = dir, .recursive = 1, .dst = path };
  struct mount_src s;
  if (mount_source(&r, &s) || mount_attach(&r, &s, dir, &root_fd)) mount_fail(&r, errno);
  close(dir);
}

void op_mount(const struct op *op) {
  int bind = arg_num(op, A_MOUNT_kind) == MOUNT_BIND;
  unsigned long flags = arg_num(op, A_MOUNT_flags);
  int exact = arg_num(op, A_MOUNT_exact) != 0;
  struct mount_req r = {
    .source = bind ? MOUNT_PATH : MOUNT_FS,
    .path = arg_str(op, A_MOUNT_src),
    .fd = -1,
    .recursive = (flags & MS_REC) != 0,
    .fstype = arg_str(op, A_MOUNT_fstype),
    .data = arg_str(op, A_MOUNT_data),
    .flags = flags & ~(unsigned long)NOT_FLAGS,
    .exact_flags = 1,
    .attr_set = arg_num(op, A_MOUNT_attr_set),
    .attr_clr = arg_num(op, A_MOUNT_attr_clr),
    .op = op,
    .propagation_arg = A_MOUNT_propagation,
    .dst = arg_str(op, A_MOUNT_dst),
    .dst_resolve = exact ? RESOLVE_NO_SYMLINKS : 0,
  };
  if (flags & MS_REMOUNT) {
    /* The mount already on dst (e.g. the cgroup v1 tmpfs, read-only once its hierarchies are in). */
    int fd = open_in_root(r.dst, O_PATH, r.dst_resolve);
    if (fd < 0) fail(errno, "open mount point %s", r.dst);
    if (fd_is_mount_root(fd) != 1) fail(EINVAL, "remount %s: not a mount point", r.dst);
    if (mount_set_flags(fd, r.flags, 1)) fail(errno, "remount %s", r.dst);
    for (size_t k = 0; k < arg_count(op, A_MOUNT_propagation); k++)
      if (mount_propagate(fd, arg_u64v(op, A_MOUNT_propagation, k))) fail(errno, "set propagation of %s", r.dst);
    close(fd);
    return;
  }
  mount_in_root(&r, arg_str(op, A_MOUNT_fallback), exact);
}

void op_mknod(const struct op *op) {
  const char *path = arg_str(op, A_MKNOD_path);
  const char *host = arg_str(op, A_MKNOD_host);
  mode_t mode = (mode_t)arg_num(op, A_MKNOD_mode);
  dev_t dev = makedev((unsigned)arg_num(op, A_MKNOD_major), (unsigned)arg_num(op, A_MKNOD_minor));
  char base[256];
  int parent = open_parent_in_root(path, base, sizeof base);
  if (parent < 0) fail(errno, "create parent of %s", path);
  if (mknodat(parent, base, mode, dev) == 0) {
    if (fchownat(parent, base, (uid_t)arg_num(op, A_MKNOD_uid), (gid_t)arg_num(op, A_MKNOD_gid), AT_SYMLINK_NOFOLLOW))
      fail(errno, "chown %s", path);
  } else if (errno == EPERM && *host) {
    /* Not allowed to create device nodes (user namespace): bind the host's node instead. */
    struct mount_req r = { .source = MOUNT_PATH, .path = host, .fd = -1, .dst = path };
    mount_in_root(&r, NULL, 0);
  } else if (errno != EEXIST) {
    fail(errno, "mknod %s", path);
  }
  close(parent);
}

void op_symlink(const struct op *op) {
  const char *target = arg_str(op, A_SYMLINK_target);
  const char *path = arg_str(op, A_SYMLINK_path);
  char base[256];
  int parent = open_parent_in_root(path, base, sizeof base);
  if (parent < 0) fail(errno, "create parent of %s", path);
  if (arg_num(op, A_SYMLINK_replace) && unlinkat(parent, base, 0) && errno != ENOENT) fail(errno, "remove %s", path);
  if (symlinkat(target, parent, base) && errno != EEXIST) fail(errno, "symlink %s -> %s", path, target);
  close(parent);
}

void op_mkdir(const struct op *op) {
  int fd = mkdir_in_root(arg_str(op, A_MKDIR_path), 0, 0);
  if (fd < 0) fail(errno, "mkdir %s", arg_str(op, A_MKDIR_path));
  close(fd);
}

static void reopen_root(void) {
  close(root_fd);
  root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) fail(errno, "open new root");
}

void op_pivot_root(const struct op *op) {
  (void)op;
  procfs_before_pivot();
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) fail(errno, "open old root");
  if (fchdir(root_fd)) fail(errno, "chdir to rootfs");
  if (syscall(SYS_pivot_root, ".", ".")) fail(errno, "pivot_root");
  /* The old root now sits on top of the new one: detach it without propagating the unmount to the host. */
  if (fchdir(oldroot)) fail(errno, "chdir to old root");
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL)) fail(errno, "make old root slave");
  if (umount2(".", MNT_DETACH)) fail(errno, "unmount old root");
  if (chdir("/")) fail(errno, "chdir /");
  close(oldroot);
  reopen_root();
  procfs_after_pivot();
}

void op_move_root(const struct op *op) {
  (void)op;
  procfs_before_pivot();
  if (fchdir(root_fd)) fail(errno, "chdir to rootfs");
  if (mount(".", "/", NULL, MS_MOVE, NULL)) fail(errno, "move rootfs to /");
  if (chroot(".")) fail(errno, "chroot");
  if (chdir("/")) fail(errno, "chdir /");
  reopen_root();
  procfs_after_pivot();
}

/* A masked or read-only path, resolved once: with `under` (the destination of the procfs or sysfs mount it is in),
 * that directory must be of filesystem type under_fs and the rest is resolved beneath it, so that a mount point
 * moved during setup fails instead of leaving the real one unmasked. -1 with ENOENT: nothing to mask. */
static int open_protected(const char *path, const char *under, uint32_t under_fs, int flags) {
  if (!*under) return open_in_root(path, flags, 0);
  struct statfs s;
  size_t n = strlen(under);
  if (strncmp(path, under, n) || path[n] != '/') fail(EINVAL, "%s is not under %s", path, under);
  int dir = open_in_root(under, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
  if (dir < 0) fail(errno, "open %s", under);
  if (fstatfs(dir, &s)) fail(errno, "statfs %s", under);
  if ((uint32_t)s.f_type != under_fs) fail(EXDEV, "%s is not the filesystem mounted there (moved during setup?)", under);
  int fd = openat2_cloexec(dir, path + n + 1, flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
  int err = errno;
  close(dir);
  errno = err;
  return fd;
}

void op_mask_path(const struct op *op) {
  const char *path = arg_str(op, A_MASK_PATH_path);
  struct stat st;
  int fd = open_protected(path, arg_str(op, A_MASK_PATH_under), (uint32_t)arg_num(op, A_MASK_PATH_under_fs), O_PATH | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0) fail(errno, "open masked path %s", path);
  if (fstat(fd, &st)) fail(errno, "stat masked path %s", path);
  if (S_ISLNK(st.st_mode)) fail(ELOOP, "masked path %s is a symlink", path);
  if (S_ISDIR(st.st_mode)) {
    struct mount_req r = { .source = MOUNT_FS, .path = "tmpfs", .fd = -1, .fstype = "tmpfs", .data = "", .flags = MS_RDONLY, .dst = path };
    mount_or_fail(&r, fd);
  } else {
    /* The source is the node checked here, by its fd: swapping /dev/null afterwards changes nothing (CVE-2025-31133). */
    int null = open_in_root("/dev/null", O_PATH | O_NOFOLLOW, 0);
    struct stat ns;
    if (null < 0 || fstat(null, &ns)) fail(errno, "open /dev/null to mask %s", path);
    if (!S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3)) fail(EPERM, "/dev/null is not the 1:3 null device, refusing to mask %s", path);
    struct mount_req r = { .source = MOUNT_FD, .path = "/dev/null", .fd = null, .dst = path };
    mount_or_fail(&r, fd);
    close(null);
  }
  close(fd);
}

void op_readonly_path(const struct op *op) {
  const char *path = arg_str(op, A_READONLY_PATH_path);
  int fd = open_protected(path, arg_str(op, A_READONLY_PATH_under), (uint32_t)arg_num(op, A_READONLY_PATH_under_fs), O_PATH);
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0) fail(errno, "open readonly path %s", path);
  struct mount_req r = { .source = MOUNT_FD, .path = path, .fd = fd, .recursive = 1, .flags = MS_RDONLY, .dst = path };
  mount_or_fail(&r, fd);
  close(fd);
}

void op_remount_root(const struct op *op) {
  if (mount_set_flags(root_fd, arg_num(op, A_REMOUNT_ROOT_flags), 0)) fail(errno, "remount root");
}

void op_root_propagation(const struct op *op) {
  if (mount_propagate(root_fd, arg_num(op, A_ROOT_PROPAGATION_flags))) fail(errno, "set propagation of /");
}

void op_sysctl(const struct op *op) {
  char file[4096];
  snprintf(file, sizeof file, "sys/%s", arg_str(op, A_SYSCTL_path));
  procfs_write(file, arg_str(op, A_SYSCTL_value));
}

/* Whether mount `id` is in our mount table: a mount of the container, not one reached through a leaked fd. */
static int in_mount_table(uint64_t id) {
  int fd = procfs_open("self/mountinfo", O_RDONLY);
  if (fd < 0) return -1;
  char want[32], buf[8192];
  int wlen = snprintf(want, sizeof want, "%llu ", (unsigned long long)id);
  size_t have = 0;
  int found = 0, at_line_start = 1;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof buf - have);
    if (n <= 0) break;
    have += (size_t)n;
    /* Look at whole lines only; keep an unfinished one for the next read. */
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buf[i] != '\n') continue;
      if (at_line_start && i - start >= (size_t)wlen && !memcmp(buf + start, want, (size_t)wlen)) found = 1;
      start = i + 1;
      at_line_start = 1;
    }
    memmove(buf, buf + start, have - start);
    have -= start;
    if (have == sizeof buf) { have = 0; at_line_start = 0; } /* a line longer than the buffer: not a match */
  }
  close(fd);
  return found;
}

void op_chdir(const struct op *op) {
  const char *path = arg_str(op, A_CHDIR_path);
  /* exec: after joining the mount namespace, "/" is the container's root. */
  if (root_fd < 0 && (root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) fail(errno, "open /");
  int fd = open_in_root(path, O_PATH | O_DIRECTORY, 0);
  if (fd < 0 || fchdir(fd)) fail(errno, "chdir to cwd %s", path);
  /* Inside the root by construction; checked all the same (CVE-2024-21626 put the cwd on a host directory). */
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) fail(errno, "cwd %s is not reachable from the container's root", path);
  if (cwd[0] != '/') fail(EXDEV, "cwd %s is not reachable from the container's root", path);
  uint64_t id;
  if (fd_mount_id(fd, &id)) fail(errno, "stat cwd %s", path);
  int in = in_mount_table(id);
  if (in < 0) fail(errno, "read the container's mount table");
  if (!in) fail(EXDEV, "cwd %s is on a mount outside the container's mount table", path);
  close(fd);
}
