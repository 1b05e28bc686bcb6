/* Filesystem operations. Every path inside the container is resolved with openat2(RESOLVE_IN_ROOT) from the
 * root fd, and mounts target /proc/self/fd/N of the resolved fd, never a concatenated string path. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "init.h"

int root_fd = -1;

const char *fdpath(fdpath_t buf, int fd) {
  snprintf(buf, sizeof(fdpath_t), "/proc/self/fd/%d", fd);
  return buf;
}

int open_in_root(const char *path, int flags) {
  struct open_how how = {
    .flags = (uint64_t)(flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int fd;
  do fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how); while (fd < 0 && errno == EAGAIN);
  return fd;
}

/* mkdir -p inside the root; the last component becomes a regular file when `as_file`.
 * Each prefix is re-resolved from the root, so a symlink in the rootfs can only lead inside it; a symlink
 * whose target is missing is followed by creating the target, inside the root (as runc's MkdirAllInRoot). */
static int mkdir_in_root_depth(const char *path, int as_file, int depth) {
  char prefix[4096] = "";
  size_t plen = 0;
  const char *p = path;
  if (depth > 40) return errno = ELOOP, -1;
  int parent = open_in_root("/", O_PATH | O_DIRECTORY);
  if (parent < 0) return -1;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *end = strchrnul(p, '/');
    size_t clen = (size_t)(end - p);
    int last = *end == '\0' || end[strspn(end, "/")] == '\0';
    if (plen + clen + 2 > sizeof prefix || clen > 255) { close(parent); errno = ENAMETOOLONG; return -1; }
    char name[256];
    memcpy(name, p, clen);
    name[clen] = 0;
    size_t parent_len = plen;
    prefix[plen++] = '/';
    memcpy(prefix + plen, p, clen);
    plen += clen;
    prefix[plen] = 0;
    int want_file = last && as_file;
    int fd = open_in_root(prefix, O_PATH | (want_file ? 0 : O_DIRECTORY));
    if (fd < 0 && errno == ENOENT) {
      char target[4096];
      ssize_t tlen = readlinkat(parent, name, target, sizeof target - 1);
      if (tlen > 0) {
        /* A dangling symlink: create what it points to instead, resolved in the root as always. */
        char next[8192];
        target[tlen] = 0;
        prefix[parent_len] = 0;
        snprintf(next, sizeof next, "%s%s%s%s", target[0] == '/' ? "" : prefix, target[0] == '/' ? "" : "/", target, end);
        close(parent);
        return mkdir_in_root_depth(next, as_file, depth + 1);
      }
      int r;
      if (want_file) {
        r = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(parent, name, 0755);
      }
      if (r < 0 && errno != EEXIST) { int e = errno; close(parent); errno = e; return -1; }
      fd = open_in_root(prefix, O_PATH | (want_file ? 0 : O_DIRECTORY));
    }
    if (fd < 0) { int e = errno; close(parent); errno = e; return -1; }
    close(parent);
    parent = fd;
    p = end;
  }
  return parent;
}

int mkdir_in_root(const char *path, int as_file) {
  return mkdir_in_root_depth(path, as_file, 0);
}

static int open_parent_in_root(const char *path, char *base, size_t basesz) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  const char *b = slash ? slash + 1 : path;
  size_t dlen = slash ? (size_t)(slash - path) : 0;
  if (!*b || strlen(b) >= basesz || dlen >= sizeof dir || !strcmp(b, ".") || !strcmp(b, "..")) {
    errno = EINVAL;
    return -1;
  }
  memcpy(dir, path, dlen);
  dir[dlen] = 0;
  strcpy(base, b);
  return mkdir_in_root(dlen ? dir : "/", 0);
}

void op_rootfs_open(const struct op *op) {
  const char *path = arg_str(op, A_ROOTFS_OPEN_path);
  /* A bind of the rootfs onto itself makes it a mount point that pivot_root accepts. */
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL)) fail(errno, "bind mount rootfs %s", path);
  root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) fail(errno, "open rootfs %s", path);
}

/* The per-mount flags the mount at fd has now, which a bind remount keeps: some may be locked (a less privileged
 * user namespace cannot drop them), and the others are not ours to clear. Its atime mode only when `wanted`
 * sets none. */
static unsigned long locked_flags(int fd, unsigned long wanted) {
  struct statfs s;
  unsigned long keep = 0;
  if (fstatfs(fd, &s)) return 0;
  if (s.f_flags & ST_RDONLY) keep |= MS_RDONLY;
  if (s.f_flags & ST_NOSUID) keep |= MS_NOSUID;
  if (s.f_flags & ST_NODEV) keep |= MS_NODEV;
  if (s.f_flags & ST_NOEXEC) keep |= MS_NOEXEC;
  if (!(wanted & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))) {
    if (s.f_flags & ST_NOATIME) keep |= MS_NOATIME;
    if (s.f_flags & ST_RELATIME) keep |= MS_RELATIME;
    if (s.f_flags & ST_NODIRATIME) keep |= MS_NODIRATIME;
  }
  return keep;
}

/* MS_BIND|MS_REMOUNT of the mount at fd (named `target` for mount(2)) with `flags`; on EPERM retry keeping the
 * flags the kernel has locked. */
static int remount_bind(int fd, const char *target, unsigned long flags) {
  unsigned long base = MS_BIND | MS_REMOUNT | (flags & ~(unsigned long)(MS_BIND | MS_REC));
  if (mount(NULL, target, NULL, base, NULL) == 0) return 0;
  if (errno != EPERM) return -1;
  return mount(NULL, target, NULL, base | locked_flags(fd, flags), NULL);
}

void mount_finish(int fd, const char *dst, const struct op *op, int propagation_arg, int attr_set_arg, int attr_clr_arg) {
  fdpath_t t;
  for (size_t k = 0; k < arg_count(op, propagation_arg); k++) {
    if (mount(NULL, fdpath(t, fd), NULL, arg_u64v(op, propagation_arg, k), NULL)) fail(errno, "set propagation of %s", dst);
  }
  struct mount_attr attr = { .attr_set = arg_num(op, attr_set_arg), .attr_clr = arg_num(op, attr_clr_arg) };
  if ((attr.attr_set || attr.attr_clr) && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr))
    fail(errno, "set recursive mount attributes of %s", dst);
}

#define PROPAGATION_FLAGS (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

void op_mount(const struct op *op) {
  uint32_t kind = (uint32_t)arg_num(op, A_MOUNT_kind);
  const char *src = arg_str(op, A_MOUNT_src);
  const char *dst = arg_str(op, A_MOUNT_dst);
  const char *fstype = arg_str(op, A_MOUNT_fstype);
  unsigned long flags = arg_num(op, A_MOUNT_flags);
  const char *data = arg_str(op, A_MOUNT_data);
  const char *fallback = arg_str(op, A_MOUNT_fallback);
  fdpath_t t;
  int as_file = 0;

  if (kind == MOUNT_BIND) {
    struct stat st;
    if (stat(src, &st)) fail(errno, "stat bind source %s", src);
    as_file = !S_ISDIR(st.st_mode);
  }
  int fd = mkdir_in_root(dst, as_file);
  if (fd < 0) fail(errno, "create mount point %s", dst);

  if (kind == MOUNT_BIND) {
    if (mount(src, fdpath(t, fd), NULL, MS_BIND | (flags & MS_REC), NULL)) fail(errno, "bind mount %s on %s", src, dst);
  } else if (mount(src, fdpath(t, fd), fstype, flags & ~(unsigned long)PROPAGATION_FLAGS, *data ? data : NULL)) {
    int err = errno;
    /* e.g. sysfs in a user namespace without its own network namespace: bind the host's instead. */
    if (err != EPERM || !*fallback) fail(err, "mount %s on %s", fstype, dst);
    if (mount(fallback, fdpath(t, fd), NULL, MS_BIND | MS_REC, NULL)) fail(errno, "bind mount %s on %s", fallback, dst);
    kind = MOUNT_BIND;
  }
  close(fd);

  /* The fd above names the directory under the new mount; the mount itself is reached by resolving again. */
  fd = open_in_root(dst, O_PATH);
  if (fd < 0) fail(errno, "reopen mount point %s", dst);
  if (kind == MOUNT_BIND && (flags & ~(unsigned long)(MS_BIND | MS_REC | PROPAGATION_FLAGS)) &&
      remount_bind(fd, fdpath(t, fd), flags))
    fail(errno, "remount %s", dst);
  mount_finish(fd, dst, op, A_MOUNT_propagation, A_MOUNT_attr_set, A_MOUNT_attr_clr);
  close(fd);
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
    int fd = mkdir_in_root(path, 1);
    fdpath_t t;
    if (fd < 0) fail(errno, "create %s", path);
    if (mount(host, fdpath(t, fd), NULL, MS_BIND, NULL)) fail(errno, "bind mount %s on %s", host, path);
    close(fd);
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
  int fd = mkdir_in_root(arg_str(op, A_MKDIR_path), 0);
  if (fd < 0) fail(errno, "mkdir %s", arg_str(op, A_MKDIR_path));
  close(fd);
}

static void reopen_root(void) {
  close(root_fd);
  root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) fail(errno, "open new root");
}

void op_pivot_root(void) {
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
}

void op_move_root(void) {
  if (fchdir(root_fd)) fail(errno, "chdir to rootfs");
  if (mount(".", "/", NULL, MS_MOVE, NULL)) fail(errno, "move rootfs to /");
  if (chroot(".")) fail(errno, "chroot");
  if (chdir("/")) fail(errno, "chdir /");
  reopen_root();
}

void op_mask_path(const struct op *op) {
  const char *path = arg_str(op, A_MASK_PATH_path);
  struct stat st;
  fdpath_t t, s;
  int fd = open_in_root(path, O_PATH | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0) fail(errno, "open masked path %s", path);
  if (fstat(fd, &st)) fail(errno, "stat masked path %s", path);
  if (S_ISLNK(st.st_mode)) fail(ELOOP, "masked path %s is a symlink", path);
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", fdpath(t, fd), "tmpfs", MS_RDONLY, NULL)) fail(errno, "mask directory %s", path);
  } else {
    int null = open_in_root("/dev/null", O_PATH | O_NOFOLLOW);
    struct stat ns;
    if (null < 0 || fstat(null, &ns)) fail(errno, "open /dev/null to mask %s", path);
    if (!S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3)) fail(EPERM, "/dev/null is not the 1:3 null device, refusing to mask %s", path);
    if (mount(fdpath(s, null), fdpath(t, fd), NULL, MS_BIND, NULL)) fail(errno, "mask file %s", path);
    close(null);
  }
  close(fd);
}

void op_readonly_path(const struct op *op) {
  const char *path = arg_str(op, A_READONLY_PATH_path);
  fdpath_t t;
  int fd = open_in_root(path, O_PATH);
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0) fail(errno, "open readonly path %s", path);
  if (mount(fdpath(t, fd), fdpath(t, fd), NULL, MS_BIND | MS_REC, NULL)) fail(errno, "bind readonly path %s", path);
  close(fd);
  fd = open_in_root(path, O_PATH);
  if (fd < 0) fail(errno, "reopen readonly path %s", path);
  if (remount_bind(fd, fdpath(t, fd), MS_RDONLY | locked_flags(fd, 0))) fail(errno, "remount %s read-only", path);
  close(fd);
}

/* By the path "/", which needs no lookup in the container: it may have no /proc for /proc/self/fd/N. */
void op_remount_root(const struct op *op) {
  if (remount_bind(root_fd, "/", arg_num(op, A_REMOUNT_ROOT_flags) | locked_flags(root_fd, 0))) fail(errno, "remount root");
}

void op_sysctl(const struct op *op) {
  const char *path = arg_str(op, A_SYSCTL_path);
  const char *value = arg_str(op, A_SYSCTL_value);
  struct statfs s;
  int dir = open_in_root("/proc/sys", O_PATH | O_DIRECTORY);
  if (dir < 0) fail(errno, "open /proc/sys");
  if (fstatfs(dir, &s) || s.f_type != PROC_SUPER_MAGIC) fail(EINVAL, "/proc/sys is not procfs");
  struct open_how how = { .flags = O_WRONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  int fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof how);
  if (fd < 0) fail(errno, "open /proc/sys/%s", path);
  close(dir);
  char shown[4096];
  snprintf(shown, sizeof shown, "/proc/sys/%s", path);
  write_fd(fd, value, shown);
}
