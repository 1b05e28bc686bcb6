/* Process attributes the exec'd process inherits: personality, I/O priority, scheduling, CPU affinity, NUMA
 * memory policy, and the LSM label of the next exec. Values come decoded and range-checked from the plan. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

void op_personality(const struct op *op) {
  if (personality((unsigned long)arg_num(op, A_PERSONALITY_persona)) < 0) fail(errno, "personality");
}

void op_ioprio(const struct op *op) {
  if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)arg_num(op, A_IOPRIO_value)))
    fail(errno, "ioprio_set");
}

/* struct sched_attr of sched_setattr(2), first version (48 bytes): glibc has no wrapper in older releases. */
struct hako_sched_attr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

void op_scheduler(const struct op *op) {
  struct hako_sched_attr a = {
    .size = sizeof a,
    .sched_policy = (uint32_t)arg_num(op, A_SCHEDULER_policy),
    .sched_flags = arg_num(op, A_SCHEDULER_flags),
    .sched_nice = (int32_t)arg_num(op, A_SCHEDULER_nice) - 20,
    .sched_priority = (uint32_t)arg_num(op, A_SCHEDULER_priority),
    .sched_runtime = arg_num(op, A_SCHEDULER_runtime),
    .sched_deadline = arg_num(op, A_SCHEDULER_deadline),
    .sched_period = arg_num(op, A_SCHEDULER_period),
  };
  if (syscall(SYS_sched_setattr, 0, &a, 0)) fail(errno, "sched_setattr");
}

void op_cpu_affinity(const struct op *op) {
  size_t n = arg_count(op, A_CPU_AFFINITY_cpus), max = 0;
  for (size_t k = 0; k < n; k++) if (arg_u32v(op, A_CPU_AFFINITY_cpus, k) + 1 > max) max = arg_u32v(op, A_CPU_AFFINITY_cpus, k) + 1;
  cpu_set_t *set = CPU_ALLOC(max ? max : 1);
  size_t size = CPU_ALLOC_SIZE(max ? max : 1);
  if (!set) fail(ENOMEM, "allocate CPU set");
  CPU_ZERO_S(size, set);
  for (size_t k = 0; k < n; k++) CPU_SET_S(arg_u32v(op, A_CPU_AFFINITY_cpus, k), size, set);
  if (sched_setaffinity(0, size, set)) fail(errno, "sched_setaffinity");
  CPU_FREE(set);
}

void op_mempolicy(const struct op *op) {
  size_t words = arg_count(op, A_MEMPOLICY_nodes);
  unsigned long *mask = calloc(words ? words : 1, sizeof *mask);
  if (!mask) fail(ENOMEM, "allocate node mask");
  for (size_t k = 0; k < words; k++) mask[k] = (unsigned long)arg_u64v(op, A_MEMPOLICY_nodes, k);
  /* maxnode counts bits; the kernel reads maxnode - 1 of them (a historic off-by-one every caller adds back):
   * 64 * words + 1 makes it read all the words. */
  if (syscall(SYS_set_mempolicy, (int)arg_num(op, A_MEMPOLICY_mode), words ? mask : NULL, words ? words * 64 + 1 : 0))
    fail(errno, "set_mempolicy");
  free(mask);
}

/* The label applies to the next execve only (AppArmor's "exec PROFILE", SELinux's exec context). Written through
 * the init's own procfs (procfs.c), never through the container's /proc, which the container could have
 * redirected to another file (CVE-2019-16884, CVE-2025-52881). */
void op_exec_label(const struct op *op) {
  char path[128];
  snprintf(path, sizeof path, "thread-self/attr/%s", arg_str(op, A_EXEC_LABEL_attr));
  procfs_write(path, arg_str(op, A_EXEC_LABEL_label));
}
