/* Idmapped mounts, made by the runtime in its own (the host's) namespaces: a user namespace that only carries
 * the mapping, a detached clone of the bind source, and MOUNT_ATTR_IDMAP on it. The init attaches the result.
 *
 * The user namespace comes from a child cloned with CLONE_NEWUSER that only blocks in read(2) until we are done:
 * between clone and _exit it makes raw system calls only (this process is multithreaded). */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int hako_write_proc(int pid, const char *file, const char *text); /* procfs.c */

/* A user namespace with these uid_map/gid_map contents ("inside outside count\n" lines), as an fd. */
int hako_userns_fd(const char *uid_map, const char *gid_map) {
  int p[2];
  if (pipe2(p, O_CLOEXEC)) return -errno;
  long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) {
    int e = errno;
    close(p[0]);
    close(p[1]);
    return -e;
  }
  if (pid == 0) {
    char c;
    syscall(SYS_close, p[1]);
    syscall(SYS_read, p[0], &c, 1);
    syscall(SYS_exit_group, 0);
  }
  close(p[0]);
  char path[64];
  int fd = -1;
  int err = hako_write_proc((int)pid, "uid_map", uid_map);
  if (!err) err = hako_write_proc((int)pid, "gid_map", gid_map);
  if (!err) {
    snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) err = -errno;
  }
  close(p[1]); /* the child reads EOF and exits */
  int status;
  while (waitpid((pid_t)pid, &status, __WALL) < 0 && errno == EINTR) {}
  return err ? err : fd;
}

/* A detached, idmapped clone of the mount tree at path (recursive: rbind; idmap_recursive: ridmap).
 * Returns the close-on-exec mount fd, or -errno; *step names what failed. */
int hako_idmapped_tree(const char *path, int recursive, int idmap_recursive, const char *uid_map, const char *gid_map,
                       int *step) {
  *step = 0;
  int userns = hako_userns_fd(uid_map, gid_map);
  if (userns < 0) return userns;
  *step = 1;
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0) {
    int e = errno;
    close(userns);
    return -e;
  }
  *step = 2;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (idmap_recursive ? AT_RECURSIVE : 0), &attr, sizeof attr)) {
    int e = errno;
    close(userns);
    close(tree);
    return -e;
  }
  close(userns);
  return tree;
}
