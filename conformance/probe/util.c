/* Small helpers: file reading, number and signal parsing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "probe.h"

int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return ENOMEM;
	}
	for (;;) {
		if (n == max)
			break;
		if (n == cap) {
			cap *= 2;
			char *p = realloc(buf, cap + 1);
			if (!p) {
				free(buf);
				close(fd);
				return ENOMEM;
			}
			buf = p;
		}
		size_t want = cap - n;
		if (want > max - n)
			want = max - n;
		ssize_t r = read(fd, buf + n, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			free(buf);
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int read_file(const char *path, size_t max, char **out, size_t *len)
{
	return read_file_at(AT_FDCWD, path, max, out, len);
}

int read_link(const char *path, char **out)
{
	size_t cap = 256;
	for (;;) {
		char *buf = malloc(cap);
		if (!buf)
			return ENOMEM;
		ssize_t n = readlink(path, buf, cap);
		if (n < 0) {
			int err = errno;
			free(buf);
			return err;
		}
		if ((size_t)n < cap) {
			buf[n] = '\0';
			*out = buf;
			return 0;
		}
		free(buf);
		cap *= 2;
	}
}

bool parse_ll(const char *s, long long *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static const struct { const char *name; int num; } signals[] = {
	{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ILL", SIGILL},
	{"TRAP", SIGTRAP}, {"ABRT", SIGABRT}, {"IOT", SIGIOT}, {"BUS", SIGBUS},
	{"FPE", SIGFPE}, {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU}, {"URG", SIGURG},
	{"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH}, {"IO", SIGIO}, {"POLL", SIGPOLL}, {"PWR", SIGPWR},
	{"SYS", SIGSYS},
};

int parse_signal(const char *s)
{
	long long n;
	if (parse_ll(s, &n))
		return (n >= 0 && n < _NSIG) ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].num;
	/* RTMIN, RTMIN+n, RTMAX, RTMAX-n */
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		int base = strncasecmp(s, "RTMIN", 5) == 0 ? SIGRTMIN : SIGRTMAX;
		if (!s[5])
			return base;
		if ((s[5] == '+' || s[5] == '-') && parse_ll(s + 6, &n)) {
			int sig = base + (s[5] == '+' ? (int)n : -(int)n);
			return (sig >= SIGRTMIN && sig <= SIGRTMAX) ? sig : -1;
		}
	}
	return -1;
}

int split(char *s, char sep, char **parts, int max)
{
	int n = 0;
	while (n < max) {
		parts[n++] = s;
		if (n == max)
			break; /* the last piece keeps any further separators */
		char *p = strchr(s, sep);
		if (!p)
			break;
		*p = '\0';
		s = p + 1;
	}
	return n;
}

void usage(const char *fmt, ...)
{
	va_list ap;
	fputs("probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: probe [report [--stat P] [--read P] [--write P] [--mkdir P] [--sysctl NAME]\n"
	      "                     [--ls DIR] [--readlink P] [--exec P] [--syscall NAME[:ARG...]]\n"
	      "                     [--kill PID:SIG] [--unshare] [--mknod P] [--chown P:UID:GID]\n"
	      "                     [--setuid UID] [--mount-tmpfs P] [--escape-stat P] ...]\n"
	      "       probe exit N | echo ARGS... | cat PATH | sleep SECONDS\n"
	      "       probe wait-signal SIGNAME EXITCODE | syscall NAME [ARGS...] | fork N\n"
	      "       probe alloc MIB | notify | listen-fds | spin\n",
	      stderr);
	exit(2);
}
