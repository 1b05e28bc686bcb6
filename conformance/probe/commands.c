/* The helper commands: exit, echo, cat, sleep, wait-signal, syscall, fork,
 * alloc, notify, listen-fds, spin.  Each gets argv without the command name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Print a finished JSON value and a newline on stdout. */
static int print_json(struct json *j)
{
	json_append(j, "\n", 1);
	int rc = json_write_fd(j, 1);
	json_free(j);
	return rc == 0 ? 0 : 1;
}

static long long int_arg(const char *cmd, const char *s)
{
	long long v;
	if (!s || !parse_ll(s, &v))
		usage("%s: expected an integer, got '%s'", cmd, s ? s : "(nothing)");
	return v;
}

int cmd_exit(int argc, char **argv)
{
	if (argc != 1)
		usage("exit needs one argument");
	return (int)(int_arg("exit", argv[0]) & 0xff);
}

int cmd_echo(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *buf = malloc(len), *p = buf;
	if (!buf)
		return 1;
	for (int i = 0; i < argc; i++) {
		if (i)
			*p++ = ' ';
		size_t n = strlen(argv[i]);
		memcpy(p, argv[i], n);
		p += n;
	}
	*p++ = '\n';
	int rc = write_all(1, buf, (size_t)(p - buf)) == 0 ? 0 : 1;
	free(buf);
	return rc;
}

int cmd_cat(int argc, char **argv)
{
	if (argc != 1)
		usage("cat needs one path");
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "probe: cat: %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "probe: cat: %s: %s\n", argv[0], strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		if (write_all(1, buf, (size_t)n) < 0)
			return 1;
	}
	close(fd);
	return 0;
}

int cmd_sleep(int argc, char **argv)
{
	char *end;
	double secs = argc == 1 ? strtod(argv[0], &end) : -1;
	if (argc != 1 || *end || !(secs >= 0) || isinf(secs))
		usage("sleep needs a number of seconds");
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

static volatile sig_atomic_t signal_arrived;

static void on_signal(int sig)
{
	(void)sig;
	signal_arrived = 1;
}

/* Works as PID 1 too: the kernel delivers signals to a namespace's init only
 * when it has a handler, which is installed before "ready" is printed. */
int cmd_wait_signal(int argc, char **argv)
{
	if (argc != 2)
		usage("wait-signal needs SIGNAME EXITCODE");
	int sig = parse_signal(argv[0]);
	int code = (int)int_arg("wait-signal", argv[1]);
	if (sig <= 0 || sig == SIGKILL || sig == SIGSTOP)
		usage("wait-signal: cannot wait for signal '%s'", argv[0]);

	sigset_t block, wait_mask;
	sigemptyset(&block);
	sigaddset(&block, sig);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, sig);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0) {
		fprintf(stderr, "probe: wait-signal: sigaction: %s\n", strerror(errno));
		return 1;
	}
	write_all(1, "ready\n", 6);
	while (!signal_arrived)
		sigsuspend(&wait_mask);
	return code;
}

int cmd_syscall(int argc, char **argv)
{
	struct json j;
	const char *why;
	if (argc < 1) {
		syscall_usage();
		usage("syscall needs a name");
	}
	json_init(&j);
	if (!run_syscall(&j, argv[0], argc - 1, argv + 1, &why)) {
		syscall_usage();
		usage("syscall %s: %s", argv[0], why);
	}
	return print_json(&j);
}

/* Fork up to N children that wait (on a pipe) until the parent has counted,
 * then kill and reap them and print {"forked":K,"errno":E}. */
int cmd_fork(int argc, char **argv)
{
	if (argc != 1)
		usage("fork needs a count");
	long long want = int_arg("fork", argv[0]);
	if (want < 0 || want > 1000000)
		usage("fork: count out of range");
	pid_t *pids = calloc((size_t)want + 1, sizeof(pid_t));
	int p[2];
	if (!pids || pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "probe: fork: %s\n", strerror(pids ? errno : ENOMEM));
		return 1;
	}
	long long forked = 0;
	int err = 0;
	while (forked < want) {
		pid_t pid = fork();
		if (pid < 0) {
			err = errno;
			break;
		}
		if (pid == 0) {
			char c;
			close(p[1]);
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			while (read(p[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		pids[forked++] = pid;
	}
	close(p[1]); /* wakes the children */
	close(p[0]);
	for (long long i = 0; i < forked; i++)
		kill(pids[i], SIGKILL);
	for (long long i = 0; i < forked; i++)
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(pids);

	struct json j;
	json_init(&j);
	json_obj_begin(&j);
	json_key(&j, "forked");
	json_int(&j, forked);
	json_key(&j, "errno");
	json_int(&j, err);
	json_obj_end(&j);
	return print_json(&j);
}

int cmd_alloc(int argc, char **argv)
{
	if (argc != 1)
		usage("alloc needs a size in MiB");
	long long mib = int_arg("alloc", argv[0]);
	if (mib < 0 || mib > (1LL << 30))
		usage("alloc: size out of range");
	size_t size = (size_t)mib << 20;
	if (size) {
		volatile char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED) {
			fprintf(stderr, "probe: alloc: %s\n", strerror(errno));
			return 1;
		}
		long page = sysconf(_SC_PAGESIZE);
		for (size_t off = 0; off < size; off += (size_t)(page > 0 ? page : 4096))
			mem[off] = 1;
	}
	return write_all(1, "allocated\n", 10) == 0 ? 0 : 1;
}

/* sd_notify(READY=1): {"socket":S|null,"ok":bool[,"errno":E],"error":"..."} */
int cmd_notify(int argc, char **argv)
{
	(void)argv;
	if (argc != 0)
		usage("notify takes no arguments");
	const char *path = getenv("NOTIFY_SOCKET");
	struct json j;
	json_init(&j);
	json_obj_begin(&j);
	json_key(&j, "socket");
	json_str(&j, path);
	json_key(&j, "ok");
	struct sockaddr_un sa;
	size_t len = path ? strlen(path) : 0;
	if (!path || !len || len >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@')) {
		json_bool(&j, false);
		json_key(&j, "error");
		json_str(&j, path ? "NOTIFY_SOCKET is not a usable socket address" : "NOTIFY_SOCKET is not set");
		json_obj_end(&j);
		return print_json(&j);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract socket; the length below excludes any NUL */
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	int err = 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = errno;
	else if (sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	json_bool(&j, err == 0);
	if (err) {
		json_key(&j, "errno");
		json_int(&j, err);
		json_key(&j, "error");
		json_str(&j, strerror(err));
	}
	json_obj_end(&j);
	return print_json(&j);
}

/* {"pid":P,"listenFds":S|null,"listenPid":S|null,"listenFdNames":S|null,
 *  "fds":[{"fd":3,"open":true,"target":"socket:[123]"}...]} */
int cmd_listen_fds(int argc, char **argv)
{
	(void)argv;
	if (argc != 0)
		usage("listen-fds takes no arguments");
	const char *fds = getenv("LISTEN_FDS");
	struct json j;
	json_init(&j);
	json_obj_begin(&j);
	json_key(&j, "pid"); json_int(&j, getpid());
	json_key(&j, "listenFds"); json_str(&j, fds);
	json_key(&j, "listenPid"); json_str(&j, getenv("LISTEN_PID"));
	json_key(&j, "listenFdNames"); json_str(&j, getenv("LISTEN_FDNAMES"));
	json_key(&j, "fds");
	json_arr_begin(&j);
	long long n;
	if (fds && parse_ll(fds, &n)) {
		for (long long fd = 3; fd < 3 + n && fd < 3 + 4096; fd++) {
			char path[64], *target;
			json_obj_begin(&j);
			json_key(&j, "fd");
			json_int(&j, fd);
			json_key(&j, "open");
			json_bool(&j, fcntl((int)fd, F_GETFD) >= 0);
			json_key(&j, "target");
			snprintf(path, sizeof(path), "/proc/self/fd/%lld", fd);
			if (read_link(path, &target) == 0) {
				json_str(&j, target);
				free(target);
			} else {
				json_null(&j);
			}
			json_obj_end(&j);
		}
	}
	json_arr_end(&j);
	json_obj_end(&j);
	return print_json(&j);
}

int cmd_spin(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	volatile unsigned long counter = 0;
	for (;;)
		counter++;
}
