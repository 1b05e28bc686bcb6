/* Op CONSOLE: process.terminal. The pty comes from the container's own devpts instance (its /dev/pts/ptmx,
 * resolved in the container's root), so the slave is a /dev/pts/N the container can see. The slave becomes the
 * controlling terminal and fds 0-2 of this process (the final one: after FORK, so setsid works and the session
 * is in the container's pid namespace). The slave is checked to be that pty's own slave before it is bound over
 * /dev/console by its fd, and /dev/console is reached without a symlink (CVE-2025-52565); the master leaves through the console socket in a single sendmsg with
 * at least one data byte and exactly one SCM_RIGHTS fd (runtime contract §4.1), and never waits for a reader. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>
#include "init.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The slave of `master`: TIOCGPTPEER (Linux 4.13) opens it without a path lookup; otherwise /dev/pts/N in root. */
static int open_slave(int master, unsigned ptn) {
  int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd >= 0 || (errno != EINVAL && errno != ENOTTY)) return fd;
  char path[64];
  snprintf(path, sizeof path, "/dev/pts/%u", ptn);
  return open_in_root(path, O_RDWR | O_NOCTTY | O_NOFOLLOW, 0);
}

void op_console(const struct op *op) {
  int sock = (int)arg_num(op, A_CONSOLE_socket);
  unsigned rows = (unsigned)arg_num(op, A_CONSOLE_rows), cols = (unsigned)arg_num(op, A_CONSOLE_cols);
  uint32_t uid = (uint32_t)arg_num(op, A_CONSOLE_uid);
  struct stat st;
  struct statfs sfs;

  /* exec: after joining the mount namespace, "/" is the container's root. */
  if (root_fd < 0 && (root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) fail(errno, "open /");
  /* O_NONBLOCK: whatever the container left at that path, opening it must not hang. */
  int master = open_in_root("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW, 0);
  if (master < 0) fail(errno, "open /dev/pts/ptmx in the container (is devpts mounted on /dev/pts?)");
  if (fstat(master, &st) || fstatfs(master, &sfs)) fail(errno, "stat /dev/pts/ptmx");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2 || sfs.f_type != DEVPTS_SUPER_MAGIC)
    fail(EINVAL, "/dev/pts/ptmx in the container is not the ptmx of a devpts mount");
  if (fcntl(master, F_SETFL, 0)) fail(errno, "clear O_NONBLOCK on the pty master");
  int unlock = 0;
  unsigned ptn;
  if (ioctl(master, TIOCSPTLCK, &unlock)) fail(errno, "unlock the pty");
  if (ioctl(master, TIOCGPTN, &ptn)) fail(errno, "get the pty number");
  int slave = open_slave(master, ptn);
  if (slave < 0) fail(errno, "open the pty slave /dev/pts/%u", ptn);
  /* devpts makes slave N the device 136:N, on the same devpts as the master. */
  struct stat ss;
  struct statfs sfss;
  if (fstat(slave, &ss) || fstatfs(slave, &sfss)) fail(errno, "stat the pty slave");
  if (!S_ISCHR(ss.st_mode) || ss.st_rdev != makedev(136, ptn) || sfss.f_type != DEVPTS_SUPER_MAGIC || ss.st_dev != st.st_dev)
    fail(EINVAL, "/dev/pts/%u is not the slave of the pty just opened", ptn);
  if (rows || cols) {
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    if (ioctl(master, TIOCSWINSZ, &ws)) fail(errno, "set the terminal size");
  }
  /* runc's fixStdioPermissions: the process's user owns its terminal. EINVAL/EPERM/EROFS (an unmapped owner,
   * a read-only /dev) are not worth failing for. */
  if (uid != 0xffffffffu && fchown(slave, uid, (gid_t)-1) && errno != EINVAL && errno != EPERM && errno != EROFS)
    fail(errno, "chown the pty slave to %u", uid);
  if (arg_num(op, A_CONSOLE_console)) {
    int target = mkdir_in_root("/dev/console", 1, 1);
    if (target < 0) fail(errno, "create /dev/console");
    struct mount_req r = { .source = MOUNT_FD, .path = "the pty slave", .fd = slave, .dst = "/dev/console", .dst_resolve = RESOLVE_NO_SYMLINKS };
    mount_or_fail(&r, target);
    close(target);
  }
  /* A session of our own with the slave as its controlling terminal, then the slave as stdio. */
  if (setsid() < 0) fail(errno, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0)) fail(errno, "make the pty the controlling terminal");
  for (int fd = 0; fd <= 2; fd++) {
    if (dup2(slave, fd) < 0) fail(errno, "dup the pty slave onto fd %d", fd);
  }
  if (slave > 2) close(slave);
  char name[32];
  snprintf(name, sizeof name, "/dev/pts/%u", ptn);
  if (send_with_fd(sock, name, strlen(name), master)) fail(errno, "send the pty master to the console socket");
  close(sock);
  close(master);
}
