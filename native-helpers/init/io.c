/* Small fd helpers for every layer above: writing a value, openat2, facts about an fd, the close-on-exec sweep. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int init_fd_base = 3;

void write_fd(int fd, const char *value, const char *what) {
  size_t len = strlen(value);
  ssize_t n = write(fd, value, len);
  if (n != (ssize_t)len) fail(n < 0 ? errno : EIO, "write %s", what);
  close(fd);
}

int openat2_cloexec(int dirfd, const char *path, int flags, uint64_t resolve) {
  struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve };
  int fd;
  do fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how); while (fd < 0 && errno == EAGAIN);
  return fd;
}

static int fd_statx(int fd, unsigned mask, struct statx *st) {
  return statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, mask, st);
}

int fd_mount_id(int fd, uint64_t *id) {
  struct statx st;
  if (fd_statx(fd, STATX_MNT_ID, &st)) return -1;
  if (!(st.stx_mask & STATX_MNT_ID)) return errno = ENOSYS, -1;
  *id = st.stx_mnt_id;
  return 0;
}

int fd_is_mount_root(int fd) {
  struct statx st;
  if (fd_statx(fd, 0, &st)) return -1;
  if (!(st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) return errno = ENOSYS, -1;
  return (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

int cloexec_init_fds(void) {
  static int done;
  if (syscall(SYS_close_range, (unsigned)init_fd_base, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return done = 1, 0;
  return done ? 0 : -1;
}
