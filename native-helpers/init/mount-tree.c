/* Idmapped mounts: the runtime (privileged, in the host's namespaces) clones the bind source with
 * open_tree(OPEN_TREE_CLONE) and makes it idmapped with mount_setattr(MOUNT_ATTR_IDMAP, userns fd); the init
 * only attaches that detached tree inside the rootfs (move_mount), resolving the destination in root like every
 * other mount, and then applies the mount's flags, propagation and recursive attributes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

/* The per-mount MS_* flags of a bind remount, as mount attributes. */
static void flags_to_attr(unsigned long flags, struct mount_attr *a) {
  if (flags & MS_RDONLY) a->attr_set |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) a->attr_set |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) a->attr_set |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) a->attr_set |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NODIRATIME) a->attr_set |= MOUNT_ATTR_NODIRATIME;
  if (flags & MS_NOSYMFOLLOW) a->attr_set |= MOUNT_ATTR_NOSYMFOLLOW;
  if (flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) {
    a->attr_clr |= MOUNT_ATTR__ATIME;
    a->attr_set |= flags & MS_NOATIME ? MOUNT_ATTR_NOATIME : flags & MS_STRICTATIME ? MOUNT_ATTR_STRICTATIME : MOUNT_ATTR_RELATIME;
  }
}

void op_mount_tree(const struct op *op) {
  int tree = (int)arg_num(op, A_MOUNT_TREE_fd);
  const char *dst = arg_str(op, A_MOUNT_TREE_dst);
  unsigned long flags = arg_num(op, A_MOUNT_TREE_flags);
  struct stat st;
  if (fstat(tree, &st)) fail(errno, "stat idmapped mount source for %s", dst);
  int target = mkdir_in_root(dst, !S_ISDIR(st.st_mode));
  if (target < 0) fail(errno, "create mount point %s", dst);
  if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))
    fail(errno, "attach idmapped mount on %s", dst);
  close(target);
  close(tree);

  int fd = open_in_root(dst, O_PATH);
  if (fd < 0) fail(errno, "reopen mount point %s", dst);
  struct mount_attr attr = { 0 };
  flags_to_attr(flags, &attr);
  if ((attr.attr_set || attr.attr_clr) && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr))
    fail(errno, "set mount attributes of %s", dst);
  mount_finish(fd, dst, op, A_MOUNT_TREE_propagation, A_MOUNT_TREE_attr_set, A_MOUNT_TREE_attr_clr);
  close(fd);
}
