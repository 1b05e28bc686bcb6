/* Idmapped mounts: the runtime (privileged, in the host's namespaces) clones the bind source with
 * open_tree(OPEN_TREE_CLONE) and makes it idmapped with mount_setattr(MOUNT_ATTR_IDMAP, userns fd); the init
 * gives that detached tree the mount's flags and recursive attributes and attaches it inside the rootfs, on a
 * destination resolved in root like every other mount's (mount.c). */
#include <errno.h>
#include <unistd.h>
#include "init.h"

void op_mount_tree(const struct op *op) {
  struct mount_req r = {
    .source = MOUNT_DETACHED,
    .path = "the idmapped tree",
    .fd = (int)arg_num(op, A_MOUNT_TREE_fd),
    .flags = arg_num(op, A_MOUNT_TREE_flags),
    .attr_set = arg_num(op, A_MOUNT_TREE_attr_set),
    .attr_clr = arg_num(op, A_MOUNT_TREE_attr_clr),
    .op = op,
    .propagation_arg = A_MOUNT_TREE_propagation,
    .dst = arg_str(op, A_MOUNT_TREE_dst),
  };
  mount_in_root(&r, NULL, 0);
  close(r.fd);
}
