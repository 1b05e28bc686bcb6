/* Credentials, limits and capabilities. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

void op_setrlimit(const struct op *op) {
  struct rlimit rl = { .rlim_cur = arg_num(op, A_SETRLIMIT_soft), .rlim_max = arg_num(op, A_SETRLIMIT_hard) };
  if (prlimit(0, (int)arg_num(op, A_SETRLIMIT_resource), &rl, NULL)) fail(errno, "setrlimit");
}

void op_cap_bounding(const struct op *op) {
  uint64_t keep = arg_num(op, A_CAP_BOUNDING_keep);
  for (int cap = 0; cap < 64; cap++) {
    int has = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (has < 0) break; /* past the kernel's last capability */
    if (has && !(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)) fail(errno, "drop bounding capability %d", cap);
  }
}

void op_set_ids(const struct op *op) {
  uid_t uid = (uid_t)arg_num(op, A_SET_IDS_uid);
  gid_t gid = (gid_t)arg_num(op, A_SET_IDS_gid);
  if (arg_num(op, A_SET_IDS_setgroups)) {
    size_t n = arg_count(op, A_SET_IDS_groups);
    gid_t *groups = calloc(n ? n : 1, sizeof *groups);
    if (!groups) fail(ENOMEM, "allocate groups");
    for (size_t k = 0; k < n; k++) groups[k] = arg_u32v(op, A_SET_IDS_groups, k);
    if (setgroups(n, groups)) fail(errno, "setgroups");
    free(groups);
  }
  if (setresgid(gid, gid, gid)) fail(errno, "setgid %u", gid);
  if (setresuid(uid, uid, uid)) fail(errno, "setuid %u", uid);
}

void op_cap_set(const struct op *op) {
  uint64_t eff = arg_num(op, A_CAP_SET_effective), perm = arg_num(op, A_CAP_SET_permitted);
  uint64_t inh = arg_num(op, A_CAP_SET_inheritable), amb = arg_num(op, A_CAP_SET_ambient);
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2] = {
    { (uint32_t)eff, (uint32_t)perm, (uint32_t)inh },
    { (uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32) },
  };
  if (syscall(SYS_capset, &hdr, data)) fail(errno, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) fail(errno, "clear ambient capabilities");
  for (int cap = 0; cap < 64; cap++) {
    if ((amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0))
      fail(errno, "raise ambient capability %d", cap);
  }
}

void op_keepcaps(const struct op *op) {
  if (prctl(PR_SET_KEEPCAPS, (unsigned long)arg_num(op, A_KEEPCAPS_on), 0, 0, 0)) fail(errno, "set keepcaps");
}

void op_umask(const struct op *op) {
  umask((mode_t)arg_num(op, A_UMASK_mask));
}

void op_no_new_privs(const struct op *op) {
  (void)op;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) fail(errno, "set no_new_privs");
}
