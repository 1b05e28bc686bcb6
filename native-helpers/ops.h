/* Generated from ops.def by gen-ops.mjs. Do not edit. */
#pragma once

enum arg_type { ARG_U32 = 1, ARG_U64 = 2, ARG_STR = 3, ARG_STRV = 4, ARG_U32V = 5, ARG_U64V = 6, ARG_BYTES = 7 };

#define PLAN_MAGIC 1312902224
#define PLAN_VERSION 1
#define MSG_SYNC 1
#define MSG_OK 2
#define MSG_ABORT 3
#define MSG_CHILD_PID 4
#define MSG_ERROR 5
#define MSG_SECCOMP_LISTENER 6
#define SYNC_START 1
#define SYNC_IDMAP 2
#define SYNC_CREATE_RUNTIME 3
#define SYNC_READY 4
#define SYNC_HOOK_STATE 5
#define SYNC_NETDEVS 6
#define NO_FD 4294967295
#define MOUNT_NEW 0
#define MOUNT_BIND 1

enum op_code {
  OP_SYNC = 1,
  OP_SETNS = 2,
  OP_UNSHARE = 3,
  OP_FORK = 4,
  OP_OOM_SCORE_ADJ = 5,
  OP_TIMENS_OFFSETS = 6,
  OP_SETHOSTNAME = 7,
  OP_SETDOMAINNAME = 8,
  OP_SESSION_KEYRING = 9,
  OP_SET_PROPAGATION = 10,
  OP_ROOTFS_OPEN = 11,
  OP_MOUNT = 12,
  OP_MKNOD = 13,
  OP_SYMLINK = 14,
  OP_MKDIR = 15,
  OP_PIVOT_ROOT = 16,
  OP_MOVE_ROOT = 17,
  OP_MASK_PATH = 18,
  OP_READONLY_PATH = 19,
  OP_REMOUNT_ROOT = 20,
  OP_ROOT_PROPAGATION = 21,
  OP_SYSCTL = 22,
  OP_CHDIR = 23,
  OP_SETRLIMIT = 24,
  OP_CAP_BOUNDING = 25,
  OP_KEEPCAPS = 26,
  OP_SET_IDS = 27,
  OP_CAP_SET = 28,
  OP_UMASK = 29,
  OP_NO_NEW_PRIVS = 30,
  OP_SECCOMP = 31,
  OP_PREPARE_FIFO = 32,
  OP_WAIT_FIFO = 33,
  OP_RESOLVE_EXEC = 34,
  OP_EXEC = 35,
  OP_CONSOLE = 36,
  OP_PERSONALITY = 37,
  OP_IOPRIO = 38,
  OP_SCHEDULER = 39,
  OP_CPU_AFFINITY = 40,
  OP_MEMPOLICY = 41,
  OP_EXEC_LABEL = 42,
  OP_HOOK_STATE = 43,
  OP_RUN_HOOK = 44,
  OP_MOUNT_TREE = 45,
  OP__COUNT = 46
};

#define OP_MAX_ARGS 11

struct op_def { const char *name; int nargs; unsigned char types[OP_MAX_ARGS ? OP_MAX_ARGS : 1]; };

static const struct op_def op_defs[OP__COUNT] = {
  [OP_SYNC] = { "SYNC", 1, { ARG_U32 } },
  [OP_SETNS] = { "SETNS", 2, { ARG_U32, ARG_U32 } },
  [OP_UNSHARE] = { "UNSHARE", 1, { ARG_U64 } },
  [OP_FORK] = { "FORK", 0, { 0 } },
  [OP_OOM_SCORE_ADJ] = { "OOM_SCORE_ADJ", 1, { ARG_STR } },
  [OP_TIMENS_OFFSETS] = { "TIMENS_OFFSETS", 1, { ARG_STR } },
  [OP_SETHOSTNAME] = { "SETHOSTNAME", 1, { ARG_STR } },
  [OP_SETDOMAINNAME] = { "SETDOMAINNAME", 1, { ARG_STR } },
  [OP_SESSION_KEYRING] = { "SESSION_KEYRING", 2, { ARG_STR, ARG_U32 } },
  [OP_SET_PROPAGATION] = { "SET_PROPAGATION", 2, { ARG_STR, ARG_U64 } },
  [OP_ROOTFS_OPEN] = { "ROOTFS_OPEN", 1, { ARG_STR } },
  [OP_MOUNT] = { "MOUNT", 11, { ARG_U32, ARG_STR, ARG_STR, ARG_STR, ARG_U64, ARG_STR, ARG_U64V, ARG_U64, ARG_U64, ARG_STR, ARG_U32 } },
  [OP_MKNOD] = { "MKNOD", 7, { ARG_STR, ARG_U32, ARG_U32, ARG_U32, ARG_U32, ARG_U32, ARG_STR } },
  [OP_SYMLINK] = { "SYMLINK", 3, { ARG_STR, ARG_STR, ARG_U32 } },
  [OP_MKDIR] = { "MKDIR", 1, { ARG_STR } },
  [OP_PIVOT_ROOT] = { "PIVOT_ROOT", 0, { 0 } },
  [OP_MOVE_ROOT] = { "MOVE_ROOT", 0, { 0 } },
  [OP_MASK_PATH] = { "MASK_PATH", 3, { ARG_STR, ARG_STR, ARG_U32 } },
  [OP_READONLY_PATH] = { "READONLY_PATH", 3, { ARG_STR, ARG_STR, ARG_U32 } },
  [OP_REMOUNT_ROOT] = { "REMOUNT_ROOT", 1, { ARG_U64 } },
  [OP_ROOT_PROPAGATION] = { "ROOT_PROPAGATION", 1, { ARG_U64 } },
  [OP_SYSCTL] = { "SYSCTL", 2, { ARG_STR, ARG_STR } },
  [OP_CHDIR] = { "CHDIR", 1, { ARG_STR } },
  [OP_SETRLIMIT] = { "SETRLIMIT", 3, { ARG_U32, ARG_U64, ARG_U64 } },
  [OP_CAP_BOUNDING] = { "CAP_BOUNDING", 1, { ARG_U64 } },
  [OP_KEEPCAPS] = { "KEEPCAPS", 1, { ARG_U32 } },
  [OP_SET_IDS] = { "SET_IDS", 4, { ARG_U32, ARG_U32, ARG_U32V, ARG_U32 } },
  [OP_CAP_SET] = { "CAP_SET", 4, { ARG_U64, ARG_U64, ARG_U64, ARG_U64 } },
  [OP_UMASK] = { "UMASK", 1, { ARG_U32 } },
  [OP_NO_NEW_PRIVS] = { "NO_NEW_PRIVS", 0, { 0 } },
  [OP_SECCOMP] = { "SECCOMP", 2, { ARG_U32, ARG_BYTES } },
  [OP_PREPARE_FIFO] = { "PREPARE_FIFO", 1, { ARG_U32 } },
  [OP_WAIT_FIFO] = { "WAIT_FIFO", 0, { 0 } },
  [OP_RESOLVE_EXEC] = { "RESOLVE_EXEC", 2, { ARG_STR, ARG_STR } },
  [OP_EXEC] = { "EXEC", 2, { ARG_STRV, ARG_STRV } },
  [OP_CONSOLE] = { "CONSOLE", 5, { ARG_U32, ARG_U32, ARG_U32, ARG_U32, ARG_U32 } },
  [OP_PERSONALITY] = { "PERSONALITY", 1, { ARG_U32 } },
  [OP_IOPRIO] = { "IOPRIO", 1, { ARG_U32 } },
  [OP_SCHEDULER] = { "SCHEDULER", 7, { ARG_U32, ARG_U64, ARG_U32, ARG_U32, ARG_U64, ARG_U64, ARG_U64 } },
  [OP_CPU_AFFINITY] = { "CPU_AFFINITY", 1, { ARG_U32V } },
  [OP_MEMPOLICY] = { "MEMPOLICY", 2, { ARG_U32, ARG_U64V } },
  [OP_EXEC_LABEL] = { "EXEC_LABEL", 2, { ARG_STR, ARG_STR } },
  [OP_HOOK_STATE] = { "HOOK_STATE", 1, { ARG_STR } },
  [OP_RUN_HOOK] = { "RUN_HOOK", 6, { ARG_U32, ARG_STR, ARG_STRV, ARG_STRV, ARG_U32, ARG_STR } },
  [OP_MOUNT_TREE] = { "MOUNT_TREE", 6, { ARG_U32, ARG_STR, ARG_U64, ARG_U64V, ARG_U64, ARG_U64 } },
};

#define A_SYNC_kind 0
#define A_SETNS_fd 0
#define A_SETNS_nstype 1
#define A_UNSHARE_flags 0
#define A_OOM_SCORE_ADJ_value 0
#define A_TIMENS_OFFSETS_offsets 0
#define A_SETHOSTNAME_name 0
#define A_SETDOMAINNAME_name 0
#define A_SESSION_KEYRING_name 0
#define A_SESSION_KEYRING_perm 1
#define A_SET_PROPAGATION_path 0
#define A_SET_PROPAGATION_flags 1
#define A_ROOTFS_OPEN_path 0
#define A_MOUNT_kind 0
#define A_MOUNT_src 1
#define A_MOUNT_dst 2
#define A_MOUNT_fstype 3
#define A_MOUNT_flags 4
#define A_MOUNT_data 5
#define A_MOUNT_propagation 6
#define A_MOUNT_attr_set 7
#define A_MOUNT_attr_clr 8
#define A_MOUNT_fallback 9
#define A_MOUNT_exact 10
#define A_MKNOD_path 0
#define A_MKNOD_mode 1
#define A_MKNOD_major 2
#define A_MKNOD_minor 3
#define A_MKNOD_uid 4
#define A_MKNOD_gid 5
#define A_MKNOD_host 6
#define A_SYMLINK_target 0
#define A_SYMLINK_path 1
#define A_SYMLINK_replace 2
#define A_MKDIR_path 0
#define A_MASK_PATH_path 0
#define A_MASK_PATH_under 1
#define A_MASK_PATH_under_fs 2
#define A_READONLY_PATH_path 0
#define A_READONLY_PATH_under 1
#define A_READONLY_PATH_under_fs 2
#define A_REMOUNT_ROOT_flags 0
#define A_ROOT_PROPAGATION_flags 0
#define A_SYSCTL_path 0
#define A_SYSCTL_value 1
#define A_CHDIR_path 0
#define A_SETRLIMIT_resource 0
#define A_SETRLIMIT_soft 1
#define A_SETRLIMIT_hard 2
#define A_CAP_BOUNDING_keep 0
#define A_KEEPCAPS_on 0
#define A_SET_IDS_uid 0
#define A_SET_IDS_gid 1
#define A_SET_IDS_groups 2
#define A_SET_IDS_setgroups 3
#define A_CAP_SET_effective 0
#define A_CAP_SET_permitted 1
#define A_CAP_SET_inheritable 2
#define A_CAP_SET_ambient 3
#define A_UMASK_mask 0
#define A_SECCOMP_flags 0
#define A_SECCOMP_filter 1
#define A_PREPARE_FIFO_fd 0
#define A_RESOLVE_EXEC_file 0
#define A_RESOLVE_EXEC_path 1
#define A_EXEC_argv 0
#define A_EXEC_envp 1
#define A_CONSOLE_socket 0
#define A_CONSOLE_rows 1
#define A_CONSOLE_cols 2
#define A_CONSOLE_uid 3
#define A_CONSOLE_console 4
#define A_PERSONALITY_persona 0
#define A_IOPRIO_value 0
#define A_SCHEDULER_policy 0
#define A_SCHEDULER_flags 1
#define A_SCHEDULER_nice 2
#define A_SCHEDULER_priority 3
#define A_SCHEDULER_runtime 4
#define A_SCHEDULER_deadline 5
#define A_SCHEDULER_period 6
#define A_CPU_AFFINITY_cpus 0
#define A_MEMPOLICY_mode 0
#define A_MEMPOLICY_nodes 1
#define A_EXEC_LABEL_attr 0
#define A_EXEC_LABEL_label 1
#define A_HOOK_STATE_status 0
#define A_RUN_HOOK_fd 0
#define A_RUN_HOOK_path 1
#define A_RUN_HOOK_argv 2
#define A_RUN_HOOK_envp 3
#define A_RUN_HOOK_timeout 4
#define A_RUN_HOOK_name 5
#define A_MOUNT_TREE_fd 0
#define A_MOUNT_TREE_dst 1
#define A_MOUNT_TREE_flags 2
#define A_MOUNT_TREE_propagation 3
#define A_MOUNT_TREE_attr_set 4
#define A_MOUNT_TREE_attr_clr 5

struct op;
void op_sync(const struct op *op);
void op_setns(const struct op *op);
void op_unshare(const struct op *op);
void op_fork(const struct op *op);
void op_oom_score_adj(const struct op *op);
void op_timens_offsets(const struct op *op);
void op_sethostname(const struct op *op);
void op_setdomainname(const struct op *op);
void op_session_keyring(const struct op *op);
void op_set_propagation(const struct op *op);
void op_rootfs_open(const struct op *op);
void op_mount(const struct op *op);
void op_mknod(const struct op *op);
void op_symlink(const struct op *op);
void op_mkdir(const struct op *op);
void op_pivot_root(const struct op *op);
void op_move_root(const struct op *op);
void op_mask_path(const struct op *op);
void op_readonly_path(const struct op *op);
void op_remount_root(const struct op *op);
void op_root_propagation(const struct op *op);
void op_sysctl(const struct op *op);
void op_chdir(const struct op *op);
void op_setrlimit(const struct op *op);
void op_cap_bounding(const struct op *op);
void op_keepcaps(const struct op *op);
void op_set_ids(const struct op *op);
void op_cap_set(const struct op *op);
void op_umask(const struct op *op);
void op_no_new_privs(const struct op *op);
void op_seccomp(const struct op *op);
void op_prepare_fifo(const struct op *op);
void op_wait_fifo(const struct op *op);
void op_resolve_exec(const struct op *op);
void op_exec(const struct op *op);
void op_console(const struct op *op);
void op_personality(const struct op *op);
void op_ioprio(const struct op *op);
void op_scheduler(const struct op *op);
void op_cpu_affinity(const struct op *op);
void op_mempolicy(const struct op *op);
void op_exec_label(const struct op *op);
void op_hook_state(const struct op *op);
void op_run_hook(const struct op *op);
void op_mount_tree(const struct op *op);

#ifdef HAKO_INIT_DISPATCH
static void (*const op_handlers[OP__COUNT])(const struct op *) = {
  [OP_SYNC] = op_sync,
  [OP_SETNS] = op_setns,
  [OP_UNSHARE] = op_unshare,
  [OP_FORK] = op_fork,
  [OP_OOM_SCORE_ADJ] = op_oom_score_adj,
  [OP_TIMENS_OFFSETS] = op_timens_offsets,
  [OP_SETHOSTNAME] = op_sethostname,
  [OP_SETDOMAINNAME] = op_setdomainname,
  [OP_SESSION_KEYRING] = op_session_keyring,
  [OP_SET_PROPAGATION] = op_set_propagation,
  [OP_ROOTFS_OPEN] = op_rootfs_open,
  [OP_MOUNT] = op_mount,
  [OP_MKNOD] = op_mknod,
  [OP_SYMLINK] = op_symlink,
  [OP_MKDIR] = op_mkdir,
  [OP_PIVOT_ROOT] = op_pivot_root,
  [OP_MOVE_ROOT] = op_move_root,
  [OP_MASK_PATH] = op_mask_path,
  [OP_READONLY_PATH] = op_readonly_path,
  [OP_REMOUNT_ROOT] = op_remount_root,
  [OP_ROOT_PROPAGATION] = op_root_propagation,
  [OP_SYSCTL] = op_sysctl,
  [OP_CHDIR] = op_chdir,
  [OP_SETRLIMIT] = op_setrlimit,
  [OP_CAP_BOUNDING] = op_cap_bounding,
  [OP_KEEPCAPS] = op_keepcaps,
  [OP_SET_IDS] = op_set_ids,
  [OP_CAP_SET] = op_cap_set,
  [OP_UMASK] = op_umask,
  [OP_NO_NEW_PRIVS] = op_no_new_privs,
  [OP_SECCOMP] = op_seccomp,
  [OP_PREPARE_FIFO] = op_prepare_fifo,
  [OP_WAIT_FIFO] = op_wait_fifo,
  [OP_RESOLVE_EXEC] = op_resolve_exec,
  [OP_EXEC] = op_exec,
  [OP_CONSOLE] = op_console,
  [OP_PERSONALITY] = op_personality,
  [OP_IOPRIO] = op_ioprio,
  [OP_SCHEDULER] = op_scheduler,
  [OP_CPU_AFFINITY] = op_cpu_affinity,
  [OP_MEMPOLICY] = op_mempolicy,
  [OP_EXEC_LABEL] = op_exec_label,
  [OP_HOOK_STATE] = op_hook_state,
  [OP_RUN_HOOK] = op_run_hook,
  [OP_MOUNT_TREE] = op_mount_tree,
};
#endif
