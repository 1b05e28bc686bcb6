/*
 * The operations `probe report` performs on request (--stat, --write,
 * --setuid, ...).  They run after the process state has been gathered, in
 * command-line order; a repeated option with the same argument runs once.
 * Each kind of operation becomes one report field: an object keyed by the
 * option's argument (or, for --unshare, a single result or null).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

extern char **environ;

#define READ_MAX (64 * 1024)

enum op {
	OP_STAT, OP_READ, OP_WRITE, OP_MKDIR, OP_SYSCTL, OP_LS, OP_READLINK, OP_EXEC,
	OP_SYSCALL, OP_KILL, OP_MKNOD, OP_CHOWN, OP_SETUID, OP_MOUNT_TMPFS, OP_ESCAPE_STAT, OP_NETDEV,
	OP_UNSHARE, /* the only option without an argument */
	NOPS
};

/* option name and report key, in report order */
static const struct { const char *option, *key; } ops[NOPS] = {
	[OP_STAT] = {"--stat", "stat"},
	[OP_READ] = {"--read", "read"},
	[OP_WRITE] = {"--write", "write"},
	[OP_MKDIR] = {"--mkdir", "mkdir"},
	[OP_SYSCTL] = {"--sysctl", "sysctl"},
	[OP_LS] = {"--ls", "ls"},
	[OP_READLINK] = {"--readlink", "readlink"},
	[OP_EXEC] = {"--exec", "exec"},
	[OP_SYSCALL] = {"--syscall", "syscall"},
	[OP_KILL] = {"--kill", "kill"},
	[OP_UNSHARE] = {"--unshare", "unshare"},
	[OP_MKNOD] = {"--mknod", "mknod"},
	[OP_CHOWN] = {"--chown", "chown"},
	[OP_SETUID] = {"--setuid", "setuid"},
	[OP_MOUNT_TMPFS] = {"--mount-tmpfs", "mountTmpfs"},
	[OP_ESCAPE_STAT] = {"--escape-stat", "escapeStat"},
	[OP_NETDEV] = {"--netdev", "netdev"},
};

static struct json results[NOPS]; /* one object per operation kind */

static const char *file_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "sock";
	case S_IFLNK: return "link";
	default: return "unknown";
	}
}

static void op_stat(struct json *j, const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		int err = errno;
		json_obj_begin(j);
		json_key(j, "exists");
		json_bool(j, false);
		json_key(j, "errno");
		json_int(j, err);
		json_key(j, "error");
		json_str(j, strerror(err));
		json_obj_end(j);
		return;
	}
	json_obj_begin(j);
	json_key(j, "exists"); json_bool(j, true);
	json_key(j, "type"); json_str(j, file_type(st.st_mode));
	json_key(j, "mode"); json_int(j, st.st_mode & 07777);
	json_key(j, "uid"); json_int(j, st.st_uid);
	json_key(j, "gid"); json_int(j, st.st_gid);
	json_key(j, "rdevMajor"); json_int(j, major(st.st_rdev));
	json_key(j, "rdevMinor"); json_int(j, minor(st.st_rdev));
	json_key(j, "size"); json_int(j, st.st_size);
	json_obj_end(j);
}

static void op_read(struct json *j, const char *path)
{
	char *text;
	size_t len;
	int err = read_file(path, READ_MAX, &text, &len);
	json_obj_begin(j);
	json_key(j, "ok");
	json_bool(j, err == 0);
	if (err) {
		json_key(j, "errno"); json_int(j, err);
		json_key(j, "error"); json_str(j, strerror(err));
	} else {
		json_key(j, "content");
		json_strn(j, text, len);
		free(text);
	}
	json_obj_end(j);
}

static int do_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return errno;
	int err = 0;
	if (write(fd, "probe\n", 6) != 6)
		err = errno ? errno : EIO;
	if (close(fd) < 0 && !err)
		err = errno;
	return err;
}

static void op_sysctl(struct json *j, const char *name)
{
	char path[PATH_MAX], *text;
	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	size_t len;
	int err = read_file(path, READ_MAX, &text, &len);
	if (err) {
		json_errno_obj(j, err);
		return;
	}
	char *s = text;
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (len && (*s == ' ' || *s == '\t' || *s == '\n')) {
		s++;
		len--;
	}
	json_strn(j, s, len);
	free(text);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void op_ls(struct json *j, const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		json_errno_obj(j, errno);
		return;
	}
	size_t n = 0, cap = 64;
	char **names = malloc(cap * sizeof(char *));
	struct dirent *de;
	errno = 0;
	while (names && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap *= 2) * sizeof(char *));
			if (!p)
				break;
			names = p;
		}
		names[n++] = strdup(de->d_name);
	}
	int err = names ? errno : ENOMEM;
	closedir(d);
	if (err) {
		json_errno_obj(j, err);
	} else {
		qsort(names, n, sizeof(char *), cmp_str);
		json_arr_begin(j);
		for (size_t i = 0; i < n; i++)
			json_str(j, names[i]);
		json_arr_end(j);
	}
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

static void op_readlink(struct json *j, const char *path)
{
	char *target;
	int err = read_link(path, &target);
	if (err) {
		json_errno_obj(j, err);
	} else {
		json_str(j, target);
		free(target);
	}
}

/* fork + execve(path) with no arguments; the child's stdout goes to our stderr
 * so that it cannot mix with the report. */
static void op_exec(struct json *j, const char *path)
{
	int p[2], err = 0;
	if (pipe2(p, O_CLOEXEC) < 0) {
		json_ok_or_errno(j, errno);
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		json_ok_or_errno(j, err);
		return;
	}
	if (pid == 0) {
		char *argv[] = {(char *)path, NULL};
		if (dup2(2, 1) < 0)
			close(1);
		execve(path, argv, environ);
		err = errno;
		if (write(p[1], &err, sizeof(err)) < 0) { /* the parent sees EOF */ }
		_exit(127);
	}
	close(p[1]);
	ssize_t n;
	do
		n = read(p[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	int status = 0;
	pid_t w;
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(err)) { /* execve failed */
		json_ok_or_errno(j, err);
		return;
	}
	json_obj_begin(j);
	json_key(j, "ok");
	json_bool(j, true);
	if (w < 0) {
		json_key(j, "errno"); json_int(j, errno);
		json_key(j, "error"); json_str(j, strerror(errno));
	} else if (WIFEXITED(status)) {
		json_key(j, "status"); json_int(j, WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		json_key(j, "signal"); json_int(j, WTERMSIG(status));
	}
	json_obj_end(j);
}

/* --syscall NAME[:ARG...] */
static void op_syscall(struct json *j, const char *spec)
{
	char *copy = strdup(spec), *parts[8], *why = NULL;
	int n = copy ? split(copy, ':', parts, 8) : 0;
	const char *reason;
	if (!copy || !run_syscall(j, parts[0], n - 1, parts + 1, &reason)) {
		if (!copy)
			reason = strerror(ENOMEM);
		/* not understood: report it instead of failing the whole report */
		if (asprintf(&why, "cannot run syscall %s: %s", spec, reason) < 0)
			why = NULL;
		json_obj_begin(j);
		json_key(j, "ret"); json_null(j);
		json_key(j, "errno"); json_int(j, EINVAL);
		json_key(j, "error"); json_str(j, why ? why : reason);
		json_obj_end(j);
	}
	free(why);
	free(copy);
}

static int do_kill(const char *spec)
{
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", spec);
	char *colon = strrchr(copy, ':');
	long long pid;
	if (!colon)
		return EINVAL;
	*colon = '\0';
	int sig = parse_signal(colon + 1);
	if (!parse_ll(copy, &pid) || sig < 0)
		return EINVAL;
	return syscall(SYS_kill, (long)pid, (long)sig) < 0 ? errno : 0;
}

static int do_chown(const char *spec)
{
	char *copy = strdup(spec);
	if (!copy)
		return ENOMEM;
	char *c2 = strrchr(copy, ':'), *c1 = NULL;
	long long uid, gid;
	int err = EINVAL;
	if (c2) {
		*c2 = '\0';
		c1 = strrchr(copy, ':');
	}
	if (c1) {
		*c1 = '\0';
		if (parse_ll(c1 + 1, &uid) && parse_ll(c2 + 1, &gid))
			err = chown(copy, (uid_t)uid, (gid_t)gid) < 0 ? errno : 0;
	}
	free(copy);
	return err;
}

/* The classic chroot escape, in a child: chroot into a subdirectory, climb with "..", chroot(".").
 * Afterwards "/" is the real root of the mount namespace: with pivot_root that is the container's rootfs,
 * with a plain chroot (--no-pivot) the host's. Reports whether PATH is then reachable (0 or an errno). */
static int do_escape_stat(const char *path)
{
	int fds[2];
	if (pipe(fds) < 0)
		return errno;
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		int err = 0;
		struct stat st;
		if (mkdir("/tmp/.probe-escape", 0700) < 0 && errno != EEXIST)
			err = errno;
		else if (chroot("/tmp/.probe-escape") < 0)
			err = errno;
		else {
			for (int i = 0; i < 64; i++)
				if (chdir("..") < 0)
					break;
			if (chroot(".") < 0 || lstat(path, &st) < 0)
				err = errno;
		}
		if (write(fds[1], &err, sizeof err) != sizeof err)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	int err = EIO;
	if (read(fds[0], &err, sizeof err) != sizeof err)
		err = EIO;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	rmdir("/tmp/.probe-escape");
	return err;
}

static int do_setuid(const char *arg)
{
	long long uid;
	if (!parse_ll(arg, &uid))
		return EINVAL;
	return syscall(SYS_setuid, (long)uid) < 0 ? errno : 0;
}

static void run_op(enum op op, const char *arg)
{
	struct json *j = &results[op];
	if (op == OP_UNSHARE) {
		json_ok_or_errno(j, syscall(SYS_unshare, (long)CLONE_NEWNS) < 0 ? errno : 0);
		return;
	}
	json_key(j, arg);
	switch (op) {
	case OP_STAT: op_stat(j, arg); break;
	case OP_READ: op_read(j, arg); break;
	case OP_WRITE: json_ok_or_errno(j, do_write(arg)); break;
	case OP_MKDIR: json_ok_or_errno(j, mkdir(arg, 0755) < 0 ? errno : 0); break;
	case OP_SYSCTL: op_sysctl(j, arg); break;
	case OP_LS: op_ls(j, arg); break;
	case OP_READLINK: op_readlink(j, arg); break;
	case OP_EXEC: op_exec(j, arg); break;
	case OP_SYSCALL: op_syscall(j, arg); break;
	case OP_KILL: json_ok_or_errno(j, do_kill(arg)); break;
	case OP_MKNOD:
		json_ok_or_errno(j, mknod(arg, S_IFCHR | 0666, makedev(1, 3)) < 0 ? errno : 0);
		break;
	case OP_CHOWN: json_ok_or_errno(j, do_chown(arg)); break;
	case OP_SETUID: json_ok_or_errno(j, do_setuid(arg)); break;
	case OP_MOUNT_TMPFS:
		json_ok_or_errno(j, mount("tmpfs", arg, "tmpfs", 0, NULL) < 0 ? errno : 0);
		break;
	case OP_ESCAPE_STAT: json_ok_or_errno(j, do_escape_stat(arg)); break;
	case OP_NETDEV: op_netdev(j, arg); break;
	default: break;
	}
}

struct request {
	enum op op;
	const char *arg;
};

static struct request *reqs;
static int nreq;

void ops_parse(int argc, char **argv)
{
	reqs = calloc((size_t)argc + 1, sizeof(*reqs));
	if (!reqs)
		usage("out of memory");
	for (int i = 0; i < argc; i++) {
		if (i == 0 && !strcmp(argv[i], "report"))
			continue;
		int op;
		for (op = 0; op < NOPS; op++)
			if (!strcmp(argv[i], ops[op].option))
				break;
		if (op == NOPS)
			usage("unknown report option '%s'", argv[i]);
		const char *arg = NULL;
		if (op != OP_UNSHARE) {
			if (i + 1 >= argc)
				usage("%s needs an argument", argv[i]);
			arg = argv[++i];
		}
		bool dup = false;
		for (int k = 0; k < nreq; k++)
			if (reqs[k].op == (enum op)op && (!arg || !strcmp(reqs[k].arg, arg)))
				dup = true;
		if (!dup)
			reqs[nreq++] = (struct request){(enum op)op, arg};
	}
}

void ops_run(struct json *out)
{
	for (int op = 0; op < NOPS; op++) {
		json_init(&results[op]);
		if (op != OP_UNSHARE)
			json_obj_begin(&results[op]);
	}
	for (int k = 0; k < nreq; k++)
		run_op(reqs[k].op, reqs[k].arg);

	for (int op = 0; op < NOPS; op++) {
		json_key(out, ops[op].key);
		if (op == OP_UNSHARE && !results[op].len) {
			json_null(out); /* not requested */
			continue;
		}
		if (op != OP_UNSHARE)
			json_obj_end(&results[op]);
		json_raw_value(out, results[op].buf, results[op].len);
		json_free(&results[op]);
	}
}
