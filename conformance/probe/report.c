/*
 * `probe report`: one JSON object describing the process as the runtime set it
 * up, followed by the results of the requested operations (ops.c).
 *
 * The process state is gathered first, before any requested operation runs;
 * the operations (--stat, --write, --setuid, ...) then run in command-line
 * order, so e.g. `--setuid 1000 --write /x` writes as uid 1000.
 *
 * Nothing here may crash: a value that cannot be read is null and its field
 * name ("cwd", "namespaces.pid", "rlimits.RLIMIT_NOFILE", ...) maps to the
 * strerror() text in "errors".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include <linux/capability.h>

#include "probe.h"

extern char **environ;

#define PROC_MAX (16 * 1024 * 1024)

static struct json out;  /* the report */
static struct json errs; /* the "errors" object */

static void field_error(const char *field, int err)
{
	json_key(&errs, field);
	json_str(&errs, strerror(err));
}

static void field_error_msg(const char *field, const char *msg)
{
	json_key(&errs, field);
	json_str(&errs, msg);
}

/* ---------- /proc/self/status ---------- */

static char *status_text; /* NULL if /proc/self/status could not be read */
static int status_err;

/* The value of "Name:" in /proc/self/status (up to the end of line), or NULL. */
static const char *status_value(const char *name, char *buf, size_t size)
{
	if (!status_text)
		return NULL;
	size_t nlen = strlen(name);
	for (const char *line = status_text; line && *line;) {
		const char *eol = strchr(line, '\n');
		if (!strncmp(line, name, nlen) && line[nlen] == ':') {
			const char *v = line + nlen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t len = eol ? (size_t)(eol - v) : strlen(v);
			if (len >= size)
				len = size - 1;
			memcpy(buf, v, len);
			buf[len] = '\0';
			return buf;
		}
		line = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* Why a status_value() lookup failed, for the errors object. */
static void status_error(const char *field)
{
	if (!status_text)
		field_error(field, status_err);
	else
		field_error_msg(field, "not present in /proc/self/status");
}

/* ---------- identity ---------- */

static void report_ids(const char *key, bool gid)
{
	unsigned r, e, s;
	int rc = gid ? getresgid(&r, &e, &s) : getresuid(&r, &e, &s);
	int err = errno;
	static const char *names[] = {"real", "effective", "saved", "fs"};
	char field[32], buf[128];

	/* setfs[ug]id(-1) changes nothing and returns the current value */
	long fs = syscall(gid ? SYS_setfsgid : SYS_setfsuid, -1L);
	int fserr = errno;
	if (fs == -1 && status_value(gid ? "Gid" : "Uid", buf, sizeof(buf))) {
		unsigned v[4];
		if (sscanf(buf, "%u %u %u %u", &v[0], &v[1], &v[2], &v[3]) == 4)
			fs = v[3];
	}

	json_key(&out, key);
	json_obj_begin(&out);
	for (int i = 0; i < 3; i++) {
		json_key(&out, names[i]);
		if (rc == 0) {
			json_int(&out, i == 0 ? r : i == 1 ? e : s);
		} else {
			json_null(&out);
			snprintf(field, sizeof(field), "%s.%s", key, names[i]);
			field_error(field, err);
		}
	}
	json_key(&out, "fs");
	if (fs >= 0) {
		json_int(&out, fs);
	} else {
		json_null(&out);
		snprintf(field, sizeof(field), "%s.fs", key);
		field_error(field, fserr);
	}
	json_obj_end(&out);
}

static void report_groups(void)
{
	json_key(&out, "groups");
	int n = getgroups(0, NULL);
	gid_t *list = n > 0 ? calloc((size_t)n, sizeof(gid_t)) : NULL;
	if (n > 0 && list)
		n = getgroups(n, list);
	if (n < 0) {
		json_null(&out);
		field_error("groups", errno);
	} else {
		json_arr_begin(&out);
		for (int i = 0; i < n && list; i++)
			json_int(&out, list[i]);
		json_arr_end(&out);
	}
	free(list);
}

static void report_umask(void)
{
	char buf[64];
	json_key(&out, "umask");
	long old = syscall(SYS_umask, 022L);
	int err = errno;
	if (old >= 0) {
		syscall(SYS_umask, old);
		json_int(&out, old);
	} else if (status_value("Umask", buf, sizeof(buf))) {
		json_int(&out, strtol(buf, NULL, 8));
	} else {
		json_null(&out);
		field_error("umask", err);
	}
}

static void report_cwd(void)
{
	char *cwd = getcwd(NULL, 0);
	json_key(&out, "cwd");
	if (cwd) {
		json_str(&out, cwd);
		free(cwd);
	} else {
		json_null(&out);
		field_error("cwd", errno);
	}
}

static void report_uts(void)
{
	struct utsname u;
	int rc = uname(&u);
	int err = errno;
	json_key(&out, "hostname");
	if (rc == 0) {
		json_str(&out, u.nodename);
	} else {
		json_null(&out);
		field_error("hostname", err);
	}
	json_key(&out, "domainname");
	if (rc == 0) {
		json_str(&out, u.domainname);
	} else {
		json_null(&out);
		field_error("domainname", err);
	}
}

static void report_strv(const char *key, char **v)
{
	json_key(&out, key);
	json_arr_begin(&out);
	for (; v && *v; v++)
		json_str(&out, *v);
	json_arr_end(&out);
}

/* A key whose value is the target of a symlink, or null + error. */
static void link_value(struct json *j, const char *key, const char *path, const char *field)
{
	char *target;
	int err = read_link(path, &target);
	json_key(j, key);
	if (err) {
		json_null(j);
		field_error(field, err);
	} else {
		json_str(j, target);
		free(target);
	}
}

static void report_namespaces(void)
{
	static const char *ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
				   "time", "time_for_children", "user", "uts"};
	char path[64], field[64];
	json_key(&out, "namespaces");
	json_obj_begin(&out);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		snprintf(field, sizeof(field), "namespaces.%s", ns[i]);
		link_value(&out, ns[i], path, field);
	}
	json_obj_end(&out);
}

/* ---------- capabilities and security state ---------- */

static const char *cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};
#define NCAPNAMES ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

enum { CAP_INH, CAP_PRM, CAP_EFF, CAP_BND, CAP_AMB, NCAPSETS };
static const char *capset_keys[NCAPSETS] = {"inheritable", "permitted", "effective", "bounding", "ambient"};
static const char *capset_status[NCAPSETS] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};

/*
 * Capability sets, as the 16-digit hex strings of /proc/self/status.  Without
 * /proc they are computed with capget(2) and prctl(2) and formatted the same
 * way.
 */
static void report_caps(void)
{
	char hex[NCAPSETS][64];
	bool have[NCAPSETS];
	int errv[NCAPSETS];
	uint64_t bits[NCAPSETS];

	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	bool capget_done = false;
	int capget_err = 0;

	for (int i = 0; i < NCAPSETS; i++) {
		char buf[64];
		have[i] = false;
		errv[i] = status_text ? ENOENT : status_err;
		if (status_value(capset_status[i], buf, sizeof(buf))) {
			snprintf(hex[i], sizeof(hex[i]), "%s", buf);
			bits[i] = strtoull(buf, NULL, 16);
			have[i] = true;
			continue;
		}
		/* fallback without /proc */
		uint64_t v = 0;
		if (i <= CAP_EFF) {
			if (!capget_done) {
				capget_done = true;
				if (syscall(SYS_capget, &hdr, data) < 0)
					capget_err = errno;
			}
			if (capget_err) {
				errv[i] = capget_err;
				continue;
			}
			uint32_t lo = i == CAP_INH ? data[0].inheritable : i == CAP_PRM ? data[0].permitted : data[0].effective;
			uint32_t hi = i == CAP_INH ? data[1].inheritable : i == CAP_PRM ? data[1].permitted : data[1].effective;
			v = ((uint64_t)hi << 32) | lo;
		} else {
			int c, failed = 0;
			for (c = 0; c < 64; c++) {
				int r = i == CAP_BND ? prctl(PR_CAPBSET_READ, c, 0, 0, 0)
						     : prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
				if (r < 0) {
					failed = errno;
					break;
				}
				if (r)
					v |= 1ULL << c;
			}
			if (c == 0 || failed != EINVAL) { /* EINVAL marks the end of the known caps */
				errv[i] = failed;
				continue;
			}
		}
		snprintf(hex[i], sizeof(hex[i]), "%016llx", (unsigned long long)v);
		bits[i] = v;
		have[i] = true;
	}

	char field[64];
	json_key(&out, "caps");
	json_obj_begin(&out);
	for (int i = 0; i < NCAPSETS; i++) {
		json_key(&out, capset_keys[i]);
		if (have[i]) {
			json_str(&out, hex[i]);
		} else {
			json_null(&out);
			snprintf(field, sizeof(field), "caps.%s", capset_keys[i]);
			field_error(field, errv[i]);
		}
	}
	json_obj_end(&out);

	json_key(&out, "capsList");
	json_obj_begin(&out);
	for (int i = 0; i < NCAPSETS; i++) {
		json_key(&out, capset_keys[i]);
		if (!have[i]) {
			json_null(&out);
			continue;
		}
		json_arr_begin(&out);
		for (int c = 0; c < 64; c++) {
			if (!(bits[i] & (1ULL << c)))
				continue;
			if (c < NCAPNAMES) {
				json_str(&out, cap_names[c]);
			} else {
				char name[32];
				snprintf(name, sizeof(name), "CAP_UNKNOWN_%d", c);
				json_str(&out, name);
			}
		}
		json_arr_end(&out);
	}
	json_obj_end(&out);
}

/* An int key from prctl(option), or null + error. */
static void prctl_value(const char *key, int option, bool boolean)
{
	int r = prctl(option, 0, 0, 0, 0);
	json_key(&out, key);
	if (r < 0) {
		json_null(&out);
		field_error(key, errno);
	} else if (boolean) {
		json_bool(&out, r != 0);
	} else {
		json_int(&out, r);
	}
}

static void report_seccomp(void)
{
	char buf[64];
	json_key(&out, "seccompMode");
	if (status_value("Seccomp", buf, sizeof(buf))) {
		json_int(&out, atoi(buf));
	} else {
		int r = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
		if (r >= 0) {
			json_int(&out, r);
		} else {
			json_null(&out);
			field_error("seccompMode", errno);
		}
	}
	json_key(&out, "seccompFilters");
	if (status_value("Seccomp_filters", buf, sizeof(buf))) {
		json_int(&out, atoi(buf));
	} else {
		json_null(&out);
		status_error("seccompFilters");
	}
}

/* ---------- resources and scheduling ---------- */

static void report_rlimits(void)
{
	static const struct { const char *name; int res; } limits[] = {
		{"RLIMIT_CPU", RLIMIT_CPU}, {"RLIMIT_FSIZE", RLIMIT_FSIZE},
		{"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_STACK", RLIMIT_STACK},
		{"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_RSS", RLIMIT_RSS},
		{"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_NOFILE", RLIMIT_NOFILE},
		{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
		{"RLIMIT_LOCKS", RLIMIT_LOCKS}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
		{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
		{"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
	};
	char field[64], num[32];
	json_key(&out, "rlimits");
	json_obj_begin(&out);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct rlimit rl;
		json_key(&out, limits[i].name);
		if (getrlimit(limits[i].res, &rl) < 0) {
			json_null(&out);
			snprintf(field, sizeof(field), "rlimits.%s", limits[i].name);
			field_error(field, errno);
			continue;
		}
		json_obj_begin(&out);
		json_key(&out, "soft");
		if (rl.rlim_cur == RLIM_INFINITY) {
			json_str(&out, "unlimited");
		} else {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)rl.rlim_cur);
			json_str(&out, num);
		}
		json_key(&out, "hard");
		if (rl.rlim_max == RLIM_INFINITY) {
			json_str(&out, "unlimited");
		} else {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)rl.rlim_max);
			json_str(&out, num);
		}
		json_obj_end(&out);
	}
	json_obj_end(&out);
}

static void report_oom_score_adj(void)
{
	char *text;
	int err = read_file("/proc/self/oom_score_adj", 64, &text, NULL);
	json_key(&out, "oomScoreAdj");
	if (err) {
		json_null(&out);
		field_error("oomScoreAdj", err);
		return;
	}
	json_int(&out, strtol(text, NULL, 10));
	free(text);
}

static void report_sched(void)
{
	json_key(&out, "personality");
	long p = syscall(SYS_personality, 0xffffffffUL);
	if (p == -1) {
		json_null(&out);
		field_error("personality", errno);
	} else {
		json_int(&out, p);
	}

	json_key(&out, "scheduler");
	json_obj_begin(&out);
	json_key(&out, "policy");
	long policy = syscall(SYS_sched_getscheduler, 0L);
	if (policy < 0) {
		json_null(&out);
		field_error("scheduler.policy", errno);
	} else {
		json_int(&out, policy);
	}
	json_key(&out, "priority");
	struct sched_param sp;
	if (syscall(SYS_sched_getparam, 0L, &sp) < 0) {
		json_null(&out);
		field_error("scheduler.priority", errno);
	} else {
		json_int(&out, sp.sched_priority);
	}
	json_key(&out, "nice");
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	if (nice == -1 && errno) {
		json_null(&out);
		field_error("scheduler.nice", errno);
	} else {
		json_int(&out, nice);
	}
	json_obj_end(&out);

	json_key(&out, "ioprio");
	long io = syscall(SYS_ioprio_get, 1L /* IOPRIO_WHO_PROCESS */, 0L);
	if (io < 0) {
		json_null(&out);
		field_error("ioprio", errno);
	} else {
		json_int(&out, io);
	}
}

static void report_affinity(void)
{
	json_key(&out, "cpuAffinity");
	for (int ncpu = 1024; ncpu <= 1 << 20; ncpu *= 2) {
		size_t size = CPU_ALLOC_SIZE(ncpu);
		cpu_set_t *set = CPU_ALLOC(ncpu);
		if (!set)
			break;
		if (sched_getaffinity(0, size, set) < 0) {
			int err = errno;
			CPU_FREE(set);
			if (err == EINVAL)
				continue; /* more CPUs than the mask holds */
			json_null(&out);
			field_error("cpuAffinity", err);
			return;
		}
		/* format as a list of ranges: "0-3,6" */
		char *list = malloc((size_t)ncpu * 12 + 1);
		size_t len = 0;
		if (!list) {
			CPU_FREE(set);
			break;
		}
		list[0] = '\0';
		for (int c = 0; c < ncpu; c++) {
			if (!CPU_ISSET_S(c, size, set))
				continue;
			int end = c;
			while (end + 1 < ncpu && CPU_ISSET_S(end + 1, size, set))
				end++;
			len += (size_t)sprintf(list + len, len ? ",%d" : "%d", c);
			if (end > c)
				len += (size_t)sprintf(list + len, "-%d", end);
			c = end;
		}
		json_str(&out, list);
		free(list);
		CPU_FREE(set);
		return;
	}
	json_null(&out);
	field_error("cpuAffinity", ENOMEM);
}

/* ---------- cgroups and mounts ---------- */

static void report_cgroup(void)
{
	char *text;
	int err = read_file("/proc/self/cgroup", PROC_MAX, &text, NULL);
	json_key(&out, "cgroup");
	if (err) {
		json_null(&out);
		field_error("cgroup", err);
		return;
	}
	json_arr_begin(&out);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		json_str(&out, line);
	}
	json_arr_end(&out);
	free(text);
}

/* Decode the kernel's octal escapes (\040 for space etc.) in place. */
static char *unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return s;
}

/* One line of /proc/self/mountinfo:
 * ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS */
static bool mountinfo_line(char *line)
{
	char *f[64];
	int n = 0;
	for (char *tok = strtok(line, " "); tok && n < 64; tok = strtok(NULL, " "))
		f[n++] = tok;
	int dash = -1;
	for (int i = 6; i < n; i++)
		if (!strcmp(f[i], "-")) {
			dash = i;
			break;
		}
	if (n < 6 || dash < 0 || dash + 2 >= n)
		return false;

	json_obj_begin(&out);
	json_key(&out, "id");
	json_int(&out, strtol(f[0], NULL, 10));
	json_key(&out, "parent");
	json_int(&out, strtol(f[1], NULL, 10));
	json_key(&out, "dev");
	json_str(&out, f[2]);
	json_key(&out, "root");
	json_str(&out, unescape(f[3]));
	json_key(&out, "mountPoint");
	json_str(&out, unescape(f[4]));
	json_key(&out, "options");
	json_str(&out, unescape(f[5]));
	json_key(&out, "optional");
	/* rejoin the optional fields with single spaces */
	char optional[512] = "";
	size_t olen = 0;
	for (int i = 6; i < dash && olen < sizeof(optional); i++)
		olen += (size_t)snprintf(optional + olen, sizeof(optional) - olen, olen ? " %s" : "%s", f[i]);
	json_str(&out, unescape(optional));
	json_key(&out, "fsType");
	json_str(&out, unescape(f[dash + 1]));
	json_key(&out, "source");
	json_str(&out, unescape(f[dash + 2]));
	json_key(&out, "superOptions");
	json_str(&out, dash + 3 < n ? unescape(f[dash + 3]) : "");
	json_obj_end(&out);
	return true;
}

static void report_mounts(void)
{
	char *text;
	int err = read_file("/proc/self/mountinfo", PROC_MAX, &text, NULL);
	json_key(&out, "mounts");
	if (err) {
		json_null(&out);
		field_error("mounts", err);
		return;
	}
	json_arr_begin(&out);
	int bad = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!mountinfo_line(line))
			bad++;
	}
	json_arr_end(&out);
	if (bad)
		field_error_msg("mounts", "unparsable lines in /proc/self/mountinfo were skipped");
	free(text);
}

/* ---------- file descriptors and terminal ---------- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void report_fds(void)
{
	json_key(&out, "fds");
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		json_null(&out);
		field_error("fds", errno);
		return;
	}
	int self = dirfd(d), n = 0, cap = 64;
	int *fds = malloc(sizeof(int) * (size_t)cap);
	struct dirent *de;
	while (fds && (de = readdir(d))) {
		long long fd;
		if (de->d_name[0] == '.' || !parse_ll(de->d_name, &fd) || fd == self)
			continue;
		if (n == cap) {
			int *p = realloc(fds, sizeof(int) * (size_t)(cap *= 2));
			if (!p)
				break;
			fds = p;
		}
		fds[n++] = (int)fd;
	}
	if (!fds) {
		closedir(d);
		json_null(&out);
		field_error("fds", ENOMEM);
		return;
	}
	qsort(fds, (size_t)n, sizeof(int), cmp_int);
	json_arr_begin(&out);
	for (int i = 0; i < n; i++) {
		char name[32], field[48];
		snprintf(name, sizeof(name), "%d", fds[i]);
		snprintf(field, sizeof(field), "fds.%d", fds[i]);
		json_obj_begin(&out);
		json_key(&out, "fd");
		json_int(&out, fds[i]);
		char target[PATH_MAX + 1];
		ssize_t len = readlinkat(self, name, target, sizeof(target) - 1);
		json_key(&out, "target");
		if (len < 0) {
			json_null(&out);
			field_error(field, errno);
		} else {
			json_strn(&out, target, (size_t)len);
		}
		json_obj_end(&out);
	}
	json_arr_end(&out);
	free(fds);
	closedir(d);
}

static void report_stdio(void)
{
	static const char *names[] = {"stdin", "stdout", "stderr"};
	char path[32], field[32];
	json_key(&out, "stdio");
	json_obj_begin(&out);
	for (int fd = 0; fd < 3; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		snprintf(field, sizeof(field), "stdio.%s", names[fd]);
		link_value(&out, names[fd], path, field);
	}
	json_obj_end(&out);

	json_key(&out, "isatty");
	json_obj_begin(&out);
	for (int fd = 0; fd < 3; fd++) {
		json_key(&out, names[fd]);
		json_bool(&out, isatty(fd) == 1);
	}
	json_obj_end(&out);

	/* "not a terminal" and "fd 0 closed" are answers, not errors */
	char name[PATH_MAX];
	int err = ttyname_r(0, name, sizeof(name));
	json_key(&out, "ttyName");
	if (err == 0) {
		json_str(&out, name);
	} else {
		json_null(&out);
		if (err != ENOTTY && err != EBADF)
			field_error("ttyName", err);
	}

	struct winsize ws;
	json_key(&out, "winsize");
	if (ioctl(0, TIOCGWINSZ, &ws) == 0) {
		json_obj_begin(&out);
		json_key(&out, "rows");
		json_int(&out, ws.ws_row);
		json_key(&out, "cols");
		json_int(&out, ws.ws_col);
		json_obj_end(&out);
	} else {
		json_null(&out);
		if (errno != ENOTTY && errno != EBADF)
			field_error("winsize", errno);
	}
}

/* ---------- main ---------- */

int cmd_report(int argc, char **argv)
{
	/* argv[0] is "report" or the first option; check everything before acting */
	const char *out_file = take_out_option(&argc, argv);
	ops_parse(argc, argv);

	json_init(&out);
	json_init(&errs);
	json_obj_begin(&errs);

	status_err = read_file("/proc/self/status", PROC_MAX, &status_text, NULL);
	if (status_err)
		status_text = NULL;

	/* the process as it was started */
	json_obj_begin(&out);
	json_key(&out, "pid"); json_int(&out, getpid());
	json_key(&out, "ppid"); json_int(&out, getppid());
	json_key(&out, "tid"); json_int(&out, syscall(SYS_gettid));
	report_ids("uid", false);
	report_ids("gid", true);
	report_groups();
	report_umask();
	report_cwd();
	report_uts();
	report_strv("args", probe_argv);
	report_strv("env", environ);
	report_namespaces();
	report_caps();
	prctl_value("noNewPrivs", PR_GET_NO_NEW_PRIVS, true);
	report_seccomp();
	prctl_value("dumpable", PR_GET_DUMPABLE, false);
	report_rlimits();
	report_oom_score_adj();
	report_sched();
	report_affinity();
	report_extra(&out, &errs);
	report_cgroup();
	report_mounts();
	report_fds();
	report_stdio();

	/* then the requested operations, in command-line order */
	ops_run(&out);

	json_obj_end(&errs);
	json_key(&out, "errors");
	json_raw_value(&out, errs.buf, errs.len);
	json_obj_end(&out);
	json_append(&out, "\n", 1);

	int fd = 1;
	if (out_file) {
		fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return 1;
	}
	return json_write_fd(&out, fd) == 0 ? 0 : 1;
}
