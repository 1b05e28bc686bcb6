/* Credentials, limits, capabilities, and the final exec. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

static char exec_path[4096];

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

/* Like Go's exec.LookPath, as runc does: a regular file with an execute bit. */
static int executable(const char *path) {
  struct stat st;
  if (stat(path, &st)) return -1;
  if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) return errno = EACCES, -1;
  return 0;
}

void op_resolve_exec(const struct op *op) {
  const char *file = arg_str(op, A_RESOLVE_EXEC_file);
  const char *path = arg_str(op, A_RESOLVE_EXEC_path);
  if (strchr(file, '/')) {
    if (executable(file)) fail(errno, "exec: \"%s\"", file);
    snprintf(exec_path, sizeof exec_path, "%s", file);
    return;
  }
  /* As Go's LookPath: an empty PATH has no directories; an empty element in it is the current directory. */
  for (const char *p = path; *path;) {
    const char *end = strchrnul(p, ':');
    int n = (int)(end - p);
    snprintf(exec_path, sizeof exec_path, "%.*s/%s", n ? n : 1, n ? p : ".", file);
    if (executable(exec_path) == 0) return;
    if (!*end) break;
    p = end + 1;
  }
  exec_path[0] = 0;
  fail(ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

static char **exec_argv, **exec_envp;

/* Decoded before the first op runs (main.c): after SECCOMP, EXEC must not allocate (the container's filter may
 * deny brk or mmap). */
void exec_prepare(const struct op *op) {
  exec_argv = arg_strv(op, A_EXEC_argv);
  exec_envp = arg_strv(op, A_EXEC_envp);
}

/* argv[0] itself unless RESOLVE_EXEC ran. */
void op_exec(void) {
  const char *file = exec_path[0] ? exec_path : exec_argv[0];
  execve(file, exec_argv, exec_envp);
  fail(errno, "exec %s", file);
}
