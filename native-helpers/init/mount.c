/* Mounts. With the new mount API (Linux 5.12: open_tree, fsopen/fsconfig/fsmount, mount_setattr, move_mount) a
 * mount is built detached, gets every flag while nothing can see it, and is attached onto an fd that was resolved
 * once in the root: there is no path left to swap between the steps, and no moment when it is mounted without
 * its flags.
 *
 * Without mount_setattr (Linux 5.8 to 5.11, or when the kernel says ENOSYS) mount(2) does the same steps on the
 * fds' names under the init's procfs (self/fd/N). The flags then need a bind remount of the new mount, which
 * mount(2) gives no fd of: it is reached by its path again and used only if it is the root of a new mount at
 * exactly the place of the destination fd (runc's reopenAfterMount); otherwise the setup fails. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)
#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
#define PER_MOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME | MS_NOSYMFOLLOW | ATIME_FLAGS)

/* The step the last failure happened in, for mount_fail's message. */
static enum { STEP_SOURCE, STEP_FLAGS, STEP_ATTRS, STEP_ATTACH, STEP_PROPAGATION, STEP_MOVED } step;

int mount_api(void) {
  static int known = -1;
  if (known < 0) {
    /* A call that can only fail: ENOSYS says the kernel (or a seccomp filter) has no mount_setattr. */
    long r = syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, NULL, 0);
    known = !(r < 0 && errno == ENOSYS);
  }
  return known;
}

static int setattr(int fd, unsigned flags, struct mount_attr *a) {
  return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | flags, a, sizeof *a);
}

/* MS_* per-mount flags as mount attributes. `exact`: the flags not given are cleared and, without an atime mode,
 * the atime becomes relatime (what a bind remount by mount(2) does). */
static struct mount_attr ms_attr(unsigned long ms, int exact) {
  static const struct { unsigned long ms; uint64_t attr; } map[] = {
    { MS_RDONLY, MOUNT_ATTR_RDONLY }, { MS_NOSUID, MOUNT_ATTR_NOSUID }, { MS_NODEV, MOUNT_ATTR_NODEV },
    { MS_NOEXEC, MOUNT_ATTR_NOEXEC }, { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
  };
  struct mount_attr a = { 0 };
  for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
    if (ms & map[i].ms) a.attr_set |= map[i].attr;
    else if (exact) a.attr_clr |= map[i].attr;
  }
  if ((ms & ATIME_FLAGS) || exact) {
    a.attr_clr |= MOUNT_ATTR__ATIME;
    a.attr_set |= ms & MS_NOATIME ? MOUNT_ATTR_NOATIME : ms & MS_STRICTATIME ? MOUNT_ATTR_STRICTATIME : MOUNT_ATTR_RELATIME;
  }
  return a;
}

/* The per-mount flags the mount at fd has now, which a change keeps when the kernel refuses to drop them (flags
 * locked in a less privileged user namespace); its atime mode only when `wanted` sets none. */
static unsigned long current_flags(int fd, unsigned long wanted) {
  struct statfs s;
  unsigned long keep = 0;
  if (fstatfs(fd, &s)) return 0;
  if (s.f_flags & ST_RDONLY) keep |= MS_RDONLY;
  if (s.f_flags & ST_NOSUID) keep |= MS_NOSUID;
  if (s.f_flags & ST_NODEV) keep |= MS_NODEV;
  if (s.f_flags & ST_NOEXEC) keep |= MS_NOEXEC;
  if (!(wanted & ATIME_FLAGS)) {
    if (s.f_flags & ST_NOATIME) keep |= MS_NOATIME;
    if (s.f_flags & ST_RELATIME) keep |= MS_RELATIME;
    if (s.f_flags & ST_NODIRATIME) keep |= MS_NODIRATIME;
  }
  return keep;
}

/* mount(2) on fds: each named self/fd/N under the init's procfs, made the cwd for the call. */
static int mount_fds(const char *src, int src_fd, int dst_fd, const char *fstype, unsigned long flags, const void *data) {
  char s[32], d[32];
  int proc = procfs_fd();
  if (proc < 0) return -1;
  int cwd = open(".", O_PATH | O_CLOEXEC);
  if (cwd < 0) return -1;
  if (src_fd >= 0) {
    snprintf(s, sizeof s, "self/fd/%d", src_fd);
    src = s;
  }
  snprintf(d, sizeof d, "self/fd/%d", dst_fd);
  int r = fchdir(proc) ? -1 : mount(src, d, fstype, flags, data);
  int err = errno;
  if (fchdir(cwd)) fail(errno, "return to the working directory");
  close(cwd);
  errno = err;
  return r;
}

int mount_set_flags(int fd, unsigned long flags, int exact) {
  flags &= PER_MOUNT_FLAGS;
  if (!mount_api()) {
    unsigned long base = MS_BIND | MS_REMOUNT | flags | (exact ? 0 : current_flags(fd, flags));
    if (mount_fds(NULL, -1, fd, NULL, base, NULL) == 0) return 0;
    if (errno != EPERM) return -1;
    return mount_fds(NULL, -1, fd, NULL, base | current_flags(fd, flags), NULL);
  }
  struct mount_attr a = ms_attr(flags, exact);
  if (setattr(fd, 0, &a) == 0) return 0;
  if (errno != EPERM || !exact) return -1;
  /* Keep what the kernel locked (and, without an atime mode wanted, the atime as it is). */
  a = ms_attr(flags | current_flags(fd, flags), 1);
  if (!(flags & ATIME_FLAGS)) {
    a.attr_clr &= ~(uint64_t)MOUNT_ATTR__ATIME;
    a.attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
  }
  return setattr(fd, 0, &a);
}

int mount_propagate(int fd, uint64_t propagation) {
  if (!mount_api()) return mount_fds(NULL, -1, fd, NULL, propagation, NULL);
  struct mount_attr a = { .propagation = propagation & PROPAGATION_FLAGS };
  return setattr(fd, propagation & MS_REC ? AT_RECURSIVE : 0, &a);
}

static int propagate(const struct mount_req *r, int fd) {
  if (!r->op) return 0;
  for (size_t k = 0; k < arg_count(r->op, r->propagation_arg); k++) {
    if (mount_propagate(fd, arg_u64v(r->op, r->propagation_arg, k))) return -1;
  }
  return 0;
}

/* fsconfig the options of a mount(2) data string: "key=value" (a value in double quotes unquoted) or "flag",
 * separated by commas outside quotes; then the superblock flags mount(2) would have set. */
static int configure(int fs, const struct mount_req *r) {
  char buf[4096];
  if (strlen(r->data) >= sizeof buf) return errno = E2BIG, -1;
  strcpy(buf, r->data);
  for (char *p = buf; *p;) {
    char *end = p;
    for (int quoted = 0; *end && (quoted || *end != ','); end++) if (*end == '"') quoted = !quoted;
    int last = !*end;
    *end = 0;
    char *eq = strchr(p, '=');
    if (eq) {
      *eq++ = 0;
      size_t n = strlen(eq);
      if (n >= 2 && eq[0] == '"' && eq[n - 1] == '"') {
        eq[n - 1] = 0;
        eq++;
      }
    }
    if (*p && syscall(SYS_fsconfig, fs, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, p, eq, 0)) return -1;
    if (last) break;
    p = end + 1;
  }
  static const struct { unsigned long ms; const char *name; } sb[] = {
    { MS_RDONLY, "ro" }, { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_LAZYTIME, "lazytime" }, { MS_MANDLOCK, "mand" },
  };
  for (size_t i = 0; i < sizeof sb / sizeof *sb; i++) {
    if ((r->flags & sb[i].ms) && syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, sb[i].name, NULL, 0)) return -1;
  }
  return 0;
}

static int new_filesystem(const struct mount_req *r) {
  int fs = (int)syscall(SYS_fsopen, r->fstype, FSOPEN_CLOEXEC);
  if (fs < 0) return -1;
  int mnt = -1;
  /* Filesystems without a source ignore it (a failure would show at create). */
  syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", *r->path ? r->path : r->fstype, 0);
  if (configure(fs, r) == 0 && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
    mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, ms_attr(r->flags, 0).attr_set);
  int err = errno;
  close(fs);
  errno = err;
  return mnt;
}

static int clone_tree(int dirfd, const char *path, int recursive) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) | (*path ? 0 : AT_EMPTY_PATH);
  return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

int mount_source(const struct mount_req *r, struct mount_src *s) {
  struct stat st;
  step = STEP_SOURCE;
  s->fd = -1;
  s->is_dir = 1;
  if (r->source == MOUNT_FS) {
    if (mount_api() && (s->fd = new_filesystem(r)) < 0) return -1;
    return 0;
  }
  if (r->source == MOUNT_DETACHED) {
    if (!mount_api()) return errno = ENOSYS, -1;
    s->fd = r->fd;
  } else if (mount_api()) {
    s->fd = r->source == MOUNT_PATH ? clone_tree(AT_FDCWD, r->path, r->recursive) : clone_tree(r->fd, "", r->recursive);
  } else {
    /* mount(2) takes the source by name: the path is resolved once, to an fd, all the same. */
    s->fd = r->source == MOUNT_PATH ? open(r->path, O_PATH | O_CLOEXEC) : fcntl(r->fd, F_DUPFD_CLOEXEC, 3);
  }
  if (s->fd < 0) return -1;
  if (fstat(s->fd, &st)) return -1;
  s->is_dir = S_ISDIR(st.st_mode);
  return 0;
}

static void close_source(const struct mount_req *r, struct mount_src *s) {
  if (s->fd >= 0 && !(r->source == MOUNT_DETACHED && s->fd == r->fd)) close(s->fd);
  s->fd = -1;
}

/* The path of one of our fds, as /proc shows it; 0 or -1. */
static int fd_path(int fd, char *buf, size_t size) {
  int dir = procfs_open("self/fd", O_PATH | O_DIRECTORY);
  if (dir < 0) return -1;
  char name[16];
  snprintf(name, sizeof name, "%d", fd);
  ssize_t n = readlinkat(dir, name, buf, size - 1);
  close(dir);
  if (n < 0) return -1;
  buf[n] = 0;
  return 0;
}

/* mount(2) left no fd of the mount it made on dst_fd: reach it by r->dst again and accept it only if it is the root
 * of another mount than dst_fd's, at dst_fd's very place. */
static int reopen_mount(const struct mount_req *r, int dst_fd) {
  int m = root_fd >= 0 ? open_in_root(r->dst, O_PATH, r->dst_resolve) : open(r->dst, O_PATH | O_CLOEXEC);
  if (m < 0) return -1;
  uint64_t id, dst_id;
  char at[4096], want[4096];
  if (fd_is_mount_root(m) == 1 && !fd_mount_id(m, &id) && !fd_mount_id(dst_fd, &dst_id) && id != dst_id &&
      !fd_path(m, at, sizeof at) && !fd_path(dst_fd, want, sizeof want) && !strcmp(at, want))
    return m;
  close(m);
  return errno = EBUSY, -1;
}

static int attach_by_mount2(const struct mount_req *r, struct mount_src *s, int dst_fd, int *mounted) {
  int rc = r->source == MOUNT_FS
    ? mount_fds(*r->path ? r->path : r->fstype, -1, dst_fd, r->fstype, r->flags & ~(unsigned long)PROPAGATION_FLAGS, *r->data ? r->data : NULL)
    : mount_fds(NULL, s->fd, dst_fd, NULL, MS_BIND | (r->recursive ? MS_REC : 0), NULL);
  close_source(r, s);
  if (rc) return -1;
  step = STEP_MOVED;
  int m = reopen_mount(r, dst_fd);
  if (m < 0) return -1;
  step = STEP_FLAGS;
  if (r->source != MOUNT_FS && (r->flags & PER_MOUNT_FLAGS) && mount_set_flags(m, r->flags, r->exact_flags)) goto err;
  step = STEP_ATTRS;
  if (r->attr_set || r->attr_clr) {
    errno = ENOSYS; /* recursive attributes exist only with mount_setattr */
    goto err;
  }
  step = STEP_PROPAGATION;
  if (propagate(r, m)) goto err;
  if (mounted) *mounted = m;
  else close(m);
  return 0;
err:;
  int err = errno;
  close(m);
  errno = err;
  return -1;
}

int mount_attach(const struct mount_req *r, struct mount_src *s, int dst_fd, int *mounted) {
  if (!mount_api()) return attach_by_mount2(r, s, dst_fd, mounted);
  int src = s->fd;
  step = STEP_FLAGS;
  if (r->source != MOUNT_FS && (r->flags & PER_MOUNT_FLAGS) && mount_set_flags(src, r->flags, r->exact_flags)) goto err;
  step = STEP_ATTRS;
  struct mount_attr rec = { .attr_set = r->attr_set, .attr_clr = r->attr_clr };
  if ((rec.attr_set || rec.attr_clr) && setattr(src, AT_RECURSIVE, &rec)) goto err;
  step = STEP_ATTACH;
  if (syscall(SYS_move_mount, src, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)) goto err;
  /* The fd now names the attached mount's root. */
  step = STEP_PROPAGATION;
  if (propagate(r, src)) goto err;
  if (mounted) {
    *mounted = src;
    s->fd = -1;
  }
  close_source(r, s);
  return 0;
err:;
  int err = errno;
  close_source(r, s);
  errno = err;
  return -1;
}

void mount_fail(const struct mount_req *r, int err) {
  switch (step) {
  case STEP_SOURCE:
    if (r->source == MOUNT_FS) fail(err, "mount %s on %s", r->fstype, r->dst);
    fail(err, "bind mount %s on %s", r->path, r->dst);
  case STEP_FLAGS: fail(err, "set the mount flags of %s", r->dst);
  case STEP_ATTRS: fail(err, "set recursive mount attributes of %s", r->dst);
  case STEP_ATTACH: fail(err, "attach the mount on %s", r->dst);
  case STEP_PROPAGATION: fail(err, "set propagation of %s", r->dst);
  case STEP_MOVED: fail(err, "the mount point %s moved while it was mounted", r->dst);
  }
  fail(err, "mount on %s", r->dst);
}

void mount_or_fail(const struct mount_req *r, int dst_fd) {
  struct mount_src s;
  if (mount_source(r, &s) || mount_attach(r, &s, dst_fd, NULL)) mount_fail(r, errno);
}

void mount_in_root(struct mount_req *r, const char *fallback, int exact) {
  struct mount_src s;
  if (mount_source(r, &s)) {
    int err = errno;
    /* e.g. sysfs in a user namespace without its own network namespace: bind the host's instead. */
    if (r->source != MOUNT_FS || err != EPERM || !fallback || !*fallback) mount_fail(r, err);
    r->source = MOUNT_PATH;
    r->path = fallback;
    r->recursive = 1;
    if (mount_source(r, &s)) mount_fail(r, errno);
  }
  int fd = mkdir_in_root(r->dst, !s.is_dir, exact);
  if (fd < 0) fail(errno, "create mount point %s", r->dst);
  if (mount_attach(r, &s, fd, NULL)) mount_fail(r, errno);
  close(fd);
}
