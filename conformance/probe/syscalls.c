/*
 * Direct system calls by name, for seccomp / capability / namespace tests.
 * Every call goes through syscall(2) so that the kernel's (or the seccomp
 * filter's) answer is reported as is, without libc emulation or fallbacks.
 * The result is {"ret":R,"errno":E,"error":"strerror text"|null}, plus
 * "value" for calls that return data (getcwd, uname, clone3, ptrace, statfs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* The clone3 argument block, version 0 (64 bytes); defined here because
 * <linux/sched.h> clashes with glibc's <sched.h>. */
struct probe_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* reboot(2) magic numbers; the second one is deliberately invalid (see below). */
#define REBOOT_MAGIC1 0xfee1deadUL
#define REBOOT_BAD_MAGIC2 0UL

struct result {
	long ret;
	int err;
};

static struct result done(long ret)
{
	struct result r = {ret, ret == -1 ? errno : 0};
	return r;
}

static void emit_head(struct json *j, struct result r)
{
	json_obj_begin(j);
	json_key(j, "ret");
	json_int(j, r.ret);
	json_key(j, "errno");
	json_int(j, r.err);
	json_key(j, "error");
	if (r.err)
		json_str(j, strerror(r.err));
	else
		json_null(j);
}

static void emit(struct json *j, struct result r)
{
	emit_head(j, r);
	json_obj_end(j);
}

static bool int_arg(char **argv, int argc, int i, long long dflt, long long *out)
{
	if (i >= argc) {
		*out = dflt;
		return true;
	}
	return parse_ll(argv[i], out);
}

static const struct { const char *name; int value; } socket_names[] = {
	{"unix", AF_UNIX}, {"local", AF_LOCAL}, {"inet", AF_INET}, {"inet6", AF_INET6},
	{"netlink", AF_NETLINK}, {"packet", AF_PACKET}, {"key", AF_KEY}, {"alg", AF_ALG},
	{"vsock", AF_VSOCK}, {"bluetooth", AF_BLUETOOTH},
	{"stream", SOCK_STREAM}, {"dgram", SOCK_DGRAM}, {"raw", SOCK_RAW},
	{"seqpacket", SOCK_SEQPACKET},
};

/* A socket domain/type as a number or a name ("unix", "AF_INET", "SOCK_RAW", "raw"). */
static bool socket_arg(const char *s, long long *out)
{
	if (parse_ll(s, out))
		return true;
	if (strncasecmp(s, "AF_", 3) == 0 || strncasecmp(s, "PF_", 3) == 0)
		s += 3;
	else if (strncasecmp(s, "SOCK_", 5) == 0)
		s += 5;
	for (size_t i = 0; i < sizeof(socket_names) / sizeof(socket_names[0]); i++)
		if (strcasecmp(s, socket_names[i].name) == 0) {
			*out = socket_names[i].value;
			return true;
		}
	return false;
}

/* Wait for a child and describe how it ended as {"status":N} or {"signal":N}. */
static void emit_child_end(struct json *j, pid_t pid)
{
	int status;
	pid_t w;
	do
		w = waitpid(pid, &status, __WALL);
	while (w < 0 && errno == EINTR);
	json_obj_begin(j);
	if (w < 0) {
		json_key(j, "waitErrno");
		json_int(j, errno);
	} else if (WIFEXITED(status)) {
		json_key(j, "status");
		json_int(j, WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		json_key(j, "signal");
		json_int(j, WTERMSIG(status));
	}
	json_obj_end(j);
}

/*
 * PTRACE_TRACEME is made in a short-lived child: doing it in the probe itself
 * would make the probe's parent (the runtime) its tracer for the rest of its
 * life.  The seccomp filter, credentials and namespaces are inherited, so the
 * answer is the same.
 */
static struct result ptrace_traceme_in_child(void)
{
	int p[2];
	struct result r = {0, 0};
	if (pipe2(p, O_CLOEXEC) < 0)
		return done(-1);
	pid_t pid = fork();
	if (pid < 0) {
		r = done(-1);
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		r = done(syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
		if (write(p[1], &r, sizeof(r)) < 0) { /* the parent reports a short read */ }
		syscall(SYS_exit_group, 0);
	}
	close(p[1]);
	ssize_t n;
	do
		n = read(p[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(r)) {
		r.ret = -1;
		r.err = EIO;
	}
	close(p[0]);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
	return r;
}

bool run_syscall(struct json *j, const char *name, int argc, char **argv, const char **why)
{
	long long a[6] = {0};
	*why = "bad or missing arguments";

#define NEED(n) do { if (argc < (n)) return false; } while (0)

	if (!strcmp(name, "getcwd")) {
		static char buf[PATH_MAX * 2];
		struct result r = done(syscall(SYS_getcwd, buf, sizeof(buf)));
		emit_head(j, r);
		json_key(j, "value");
		if (r.ret > 0)
			json_str(j, buf);
		else
			json_null(j);
		json_obj_end(j);
	} else if (!strcmp(name, "statfs")) {
		/* Where PATH is: its filesystem type (statfs f_type) and its mount (statx
		 * STATX_MNT_ID, to find in the mountinfo of the report). */
		struct statfs sfs;
		struct statx stx;
		NEED(1);
		struct result r = done(syscall(SYS_statfs, argv[0], &sfs));
		if (r.ret == 0)
			r = done(syscall(SYS_statx, AT_FDCWD, argv[0], 0, STATX_MNT_ID, &stx));
		emit_head(j, r);
		json_key(j, "value");
		if (r.ret == 0) {
			json_obj_begin(j);
			json_key(j, "fsType");
			json_int(j, (long long)(unsigned long)sfs.f_type);
			json_key(j, "mntId");
			json_int(j, (long long)stx.stx_mnt_id);
			json_key(j, "mountRoot");
			json_bool(j, (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0);
			json_obj_end(j);
		} else {
			json_null(j);
		}
		json_obj_end(j);
	} else if (!strcmp(name, "getpid")) {
		emit(j, done(syscall(SYS_getpid)));
	} else if (!strcmp(name, "getppid")) {
		emit(j, done(syscall(SYS_getppid)));
	} else if (!strcmp(name, "gettid")) {
		emit(j, done(syscall(SYS_gettid)));
	} else if (!strcmp(name, "getuid")) {
		emit(j, done(syscall(SYS_getuid)));
	} else if (!strcmp(name, "getgid")) {
		emit(j, done(syscall(SYS_getgid)));
	} else if (!strcmp(name, "mkdir")) {
		NEED(1);
		if (!int_arg(argv, argc, 1, 0755, &a[0]))
			return false;
#ifdef SYS_mkdir
		emit(j, done(syscall(SYS_mkdir, argv[0], (long)a[0])));
#else
		emit(j, done(syscall(SYS_mkdirat, AT_FDCWD, argv[0], (long)a[0])));
#endif
	} else if (!strcmp(name, "chmod")) {
		NEED(2);
		if (!parse_ll(argv[1], &a[0]))
			return false;
#ifdef SYS_chmod
		emit(j, done(syscall(SYS_chmod, argv[0], (long)a[0])));
#else
		emit(j, done(syscall(SYS_fchmodat, AT_FDCWD, argv[0], (long)a[0])));
#endif
	} else if (!strcmp(name, "chroot")) {
		NEED(1);
		emit(j, done(syscall(SYS_chroot, argv[0])));
	} else if (!strcmp(name, "unshare")) {
		NEED(1);
		if (!parse_ll(argv[0], &a[0]))
			return false;
		emit(j, done(syscall(SYS_unshare, (long)a[0])));
	} else if (!strcmp(name, "personality")) {
		NEED(1);
		if (!parse_ll(argv[0], &a[0]))
			return false;
		emit(j, done(syscall(SYS_personality, (unsigned long)a[0])));
	} else if (!strcmp(name, "socket")) {
		NEED(2);
		if (!socket_arg(argv[0], &a[0]) || !socket_arg(argv[1], &a[1]) ||
		    !int_arg(argv, argc, 2, 0, &a[2]))
			return false;
		struct result r = done(syscall(SYS_socket, (long)a[0], (long)a[1], (long)a[2]));
		if (r.ret >= 0)
			close((int)r.ret);
		emit(j, r);
	} else if (!strcmp(name, "clone3")) {
		/* A plain fork through clone3 (optionally with extra flags); the child
		 * exits at once with status 0. */
		if (!int_arg(argv, argc, 0, 0, &a[0]))
			return false;
		struct probe_clone_args ca;
		memset(&ca, 0, sizeof(ca));
		ca.flags = (uint64_t)a[0];
		ca.exit_signal = SIGCHLD;
		long ret = syscall(SYS_clone3, &ca, sizeof(ca));
		if (ret == 0)
			syscall(SYS_exit_group, 0);
		struct result r = done(ret);
		emit_head(j, r);
		json_key(j, "value");
		if (ret > 0)
			emit_child_end(j, (pid_t)ret);
		else
			json_null(j);
		json_obj_end(j);
	} else if (!strcmp(name, "uname")) {
		struct utsname u;
		struct result r = done(syscall(SYS_uname, &u));
		emit_head(j, r);
		json_key(j, "value");
		if (r.ret == 0) {
			json_obj_begin(j);
			json_key(j, "sysname"); json_str(j, u.sysname);
			json_key(j, "nodename"); json_str(j, u.nodename);
			json_key(j, "release"); json_str(j, u.release);
			json_key(j, "version"); json_str(j, u.version);
			json_key(j, "machine"); json_str(j, u.machine);
			json_key(j, "domainname"); json_str(j, u.domainname);
			json_obj_end(j);
		} else {
			json_null(j);
		}
		json_obj_end(j);
	} else if (!strcmp(name, "sethostname")) {
		NEED(1);
		emit(j, done(syscall(SYS_sethostname, argv[0], strlen(argv[0]))));
	} else if (!strcmp(name, "setdomainname")) {
		NEED(1);
		emit(j, done(syscall(SYS_setdomainname, argv[0], strlen(argv[0]))));
	} else if (!strcmp(name, "keyctl")) {
		/* KEYCTL_JOIN_SESSION_KEYRING (1) with an optional keyring name */
		emit(j, done(syscall(SYS_keyctl, 1L, argc > 0 ? argv[0] : NULL)));
	} else if (!strcmp(name, "ptrace")) {
		struct result r = ptrace_traceme_in_child();
		emit(j, r);
	} else if (!strcmp(name, "mount")) {
		NEED(1);
		emit(j, done(syscall(SYS_mount, "tmpfs", argv[0], "tmpfs", 0L, NULL)));
	} else if (!strcmp(name, "umount")) {
		NEED(1);
		/* optional second argument: umount2 flags (2 = MNT_DETACH) */
		emit(j, done(syscall(SYS_umount2, argv[0], argc > 1 ? strtol(argv[1], NULL, 0) : 0L)));
	} else if (!strcmp(name, "reboot")) {
		/* The second magic number is invalid: the kernel checks CAP_SYS_BOOT
		 * first (EPERM) and then rejects the magic (EINVAL), so this never
		 * reboots anything, even when run as root on the host. */
		emit(j, done(syscall(SYS_reboot, REBOOT_MAGIC1, REBOOT_BAD_MAGIC2, 0L, NULL)));
	} else if (!strcmp(name, "acct")) {
		/* CAP_SYS_PACCT is checked before the path: EPERM without it, ENOENT
		 * (for the default path) with it; accounting is never switched. */
		emit(j, done(syscall(SYS_acct, argc > 0 ? argv[0] : "/nonexistent/probe-acct")));
	} else if (!strcmp(name, "swapon")) {
		/* Likewise: EPERM without CAP_SYS_ADMIN, ENOENT with it. */
		emit(j, done(syscall(SYS_swapon, argc > 0 ? argv[0] : "/nonexistent/probe-swap", 0L)));
	} else if (!strcmp(name, "kill")) {
		NEED(2);
		int sig = parse_signal(argv[1]);
		if (!parse_ll(argv[0], &a[0]) || sig < 0)
			return false;
		emit(j, done(syscall(SYS_kill, (long)a[0], (long)sig)));
	} else if (!strcmp(name, "setuid")) {
		NEED(1);
		if (!parse_ll(argv[0], &a[0]))
			return false;
		emit(j, done(syscall(SYS_setuid, (long)a[0])));
	} else if (!strcmp(name, "setgid")) {
		NEED(1);
		if (!parse_ll(argv[0], &a[0]))
			return false;
		emit(j, done(syscall(SYS_setgid, (long)a[0])));
	} else if (!strcmp(name, "raw")) {
		long long nr;
		NEED(1);
		if (argc > 7 || !parse_ll(argv[0], &nr))
			return false;
		for (int i = 1; i < argc; i++)
			if (!parse_ll(argv[i], &a[i - 1]))
				return false;
		emit(j, done(syscall((long)nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3],
				     (long)a[4], (long)a[5])));
	} else {
		*why = "unknown syscall name";
		return false;
	}
	return true;
#undef NEED
}

void syscall_usage(void)
{
	fputs("syscalls: getcwd statfs PATH getpid getppid gettid getuid getgid mkdir PATH [MODE]\n"
	      "  chmod PATH MODE, chroot PATH, unshare FLAGS, personality N,\n"
	      "  socket DOMAIN TYPE [PROTO], clone3 [FLAGS], uname, sethostname NAME,\n"
	      "  setdomainname NAME, keyctl [NAME], ptrace, mount PATH, umount PATH, reboot,\n"
	      "  acct [PATH], swapon [PATH], kill PID SIG, setuid UID, setgid GID,\n"
	      "  raw NUMBER [ARGS...]   (numbers: decimal, 0x hex or 0 octal)\n",
	      stderr);
}
