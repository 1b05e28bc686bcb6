/* The runtime's writes into /proc (a child's uid_map, gid_map): through the host's procfs, checked to be the root
 * of a procfs mount, and resolved beneath it without crossing a mount or following a symlink, so that nothing
 * mounted over a /proc file can take the write (CVE-2025-52881). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_proc_file(int pid, const char *file) {
  struct statfs sfs;
  struct statx stx;
  int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) return -errno;
  if (fstatfs(proc, &sfs) || sfs.f_type != PROC_SUPER_MAGIC ||
      statx(proc, "", AT_EMPTY_PATH, 0, &stx) || !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
    close(proc);
    return -EXDEV;
  }
  char path[64];
  snprintf(path, sizeof path, "%d/%s", pid, file);
  struct open_how how = {
    .flags = O_WRONLY | O_CLOEXEC,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int)syscall(SYS_openat2, proc, path, &how, sizeof how);
  int err = errno;
  close(proc);
  if (fd < 0) return -err;
  if (fstatfs(fd, &sfs) || sfs.f_type != PROC_SUPER_MAGIC) {
    close(fd);
    return -EXDEV;
  }
  return fd;
}

/* Write all of text to /proc/<pid>/<file>; 0 or -errno. */
int hako_write_proc(int pid, const char *file, const char *text) {
  int fd = open_proc_file(pid, file);
  if (fd < 0) return fd;
  size_t len = strlen(text);
  ssize_t w = write(fd, text, len);
  int err = w == (ssize_t)len ? 0 : (w < 0 ? -errno : -EIO);
  close(fd);
  return err;
}
