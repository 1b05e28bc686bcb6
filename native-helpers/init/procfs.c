/* The init's procfs: one handle (the root of a procfs mount) for every file it reads or writes under /proc, so
 * that nothing the container mounts can redirect a write (CVE-2025-52881: a label or sysctl written through an
 * over-mounted /proc file lands in another file, e.g. the host's core_pattern).
 *
 * Until pivot_root it is the runtime's /proc (the host's, opened before the init joined anything). Right before
 * pivot_root it becomes a private procfs instance of the container's pid namespace (fsopen, never attached), so no
 * host procfs fd survives into the container; where the kernel refuses one (no mount API, a pid namespace owned by
 * another user namespace), it is the container's /proc after pivot_root, checked to be the root of a procfs mount.
 * Paths under the handle are resolved with RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS: they cannot
 * cross into a mount on top of a procfs file, and every file opened is checked to be on procfs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

#define PROC_ROOT_INO 1

static int proc_fd = -1;
static int proc_err = ENOENT; /* why there is no handle */

/* fd is the root of a procfs instance: its root directory, and the root of its mount (not a bind of a part). */
static int is_proc_root(int fd) {
  struct statfs sfs;
  struct stat st;
  if (fstatfs(fd, &sfs) || fstat(fd, &st)) return 0;
  return sfs.f_type == PROC_SUPER_MAGIC && st.st_ino == PROC_ROOT_INO && fd_is_mount_root(fd) == 1;
}

static void set_handle(int fd, int err) {
  if (proc_fd >= 0) close(proc_fd);
  proc_fd = fd;
  proc_err = err;
}

void procfs_init(void) {
  int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open /proc");
  if (!is_proc_root(fd)) fail(EINVAL, "/proc of the runtime is not the root of a procfs mount");
  set_handle(fd, 0);
}

/* A new procfs instance for our pid namespace, detached: nobody else can reach it, nothing is mounted on it. */
static int private_instance(void) {
  int fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
  if (fs < 0) return -1;
  int mnt = -1;
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
    mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  int err = errno;
  close(fs);
  errno = err;
  return mnt;
}

void procfs_before_pivot(void) {
  int fd = private_instance();
  if (fd >= 0 && !is_proc_root(fd)) {
    close(fd);
    fd = -1;
    errno = EINVAL;
  }
  /* Without one, the runtime's /proc is closed all the same: the container's is opened after pivot_root. */
  set_handle(fd, fd < 0 ? errno : 0);
}

void procfs_after_pivot(void) {
  if (proc_fd >= 0) return;
  int refused = proc_err;
  int fd = open_in_root("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
  if (fd < 0) fail(errno, "no procfs for the init: the kernel refused a private instance (%s) and the container's /proc cannot be opened", strerror(refused));
  if (!is_proc_root(fd)) fail(ENOENT, "no procfs for the init: the kernel refused a private instance (%s) and the container's /proc is not a procfs mount", strerror(refused));
  set_handle(fd, 0);
}

int procfs_fd(void) {
  if (proc_fd < 0) errno = proc_err;
  return proc_fd;
}

int procfs_open(const char *path, int flags) {
  if (proc_fd < 0) return errno = proc_err, -1;
  int fd = openat2_cloexec(proc_fd, path, flags, RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS);
  struct statfs sfs;
  if (fd >= 0 && (fstatfs(fd, &sfs) || sfs.f_type != PROC_SUPER_MAGIC)) {
    close(fd);
    return errno = EXDEV, -1;
  }
  return fd;
}

void procfs_write(const char *path, const char *value) {
  char shown[4096];
  snprintf(shown, sizeof shown, "/proc/%s", path);
  int fd = procfs_open(path, O_WRONLY);
  if (fd < 0) fail(errno, "open %s", shown);
  write_fd(fd, value, shown);
}

int procfs_reopen(int fd, int flags) {
  /* self/fd is checked like any path under the handle; only its last step is the magic link to our own fd. */
  int dir = procfs_open("self/fd", O_PATH | O_DIRECTORY);
  if (dir < 0) return -1;
  char name[16];
  snprintf(name, sizeof name, "%d", fd);
  int r = openat(dir, name, flags | O_CLOEXEC);
  int err = errno;
  close(dir);
  errno = err;
  return r;
}
