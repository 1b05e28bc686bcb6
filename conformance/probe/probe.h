/*
 * probe: a small static program that hako's conformance tests run inside
 * containers.  It reports what it sees as JSON (see report.c) and offers a few
 * helper commands (see commands.c).  Shared declarations live here.
 */
#ifndef PROBE_H
#define PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- json.c: JSON text built in a growable memory buffer ---- */

#define JSON_MAX_DEPTH 32

struct json {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no value emitted yet at this level */
	bool after_key;             /* next value follows "key": */
};

void json_init(struct json *j);
void json_free(struct json *j);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* A value that is already JSON text. */
void json_raw_value(struct json *j, const char *text, size_t n);
/* Bytes appended as they are, outside the value structure (e.g. a final newline). */
void json_append(struct json *j, const char *text, size_t n);
/* {"ok":true} or {"ok":false,"errno":E,"error":"..."} for err == 0 / != 0 */
void json_ok_or_errno(struct json *j, int err);
/* {"errno":E,"error":"..."} */
void json_errno_obj(struct json *j, int err);
/* Write the whole buffer to fd; returns 0 or -1. */
int json_write_fd(const struct json *j, int fd);

/* ---- util.c ---- */

/* Read a whole file (at most max bytes) into a malloc'd NUL-terminated buffer.
 * Returns 0 and sets *out and *len, or returns an errno value. */
int read_file(const char *path, size_t max, char **out, size_t *len);
/* Like read_file for a file relative to a directory fd. */
int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len);
/* readlink into a malloc'd string; returns 0 or an errno value. */
int read_link(const char *path, char **out);
/* Parse an integer (decimal, 0x hex or 0 octal); false if malformed. */
bool parse_ll(const char *s, long long *out);
/* Signal by name ("TERM", "SIGTERM", "usr1") or number; -1 if unknown. */
int parse_signal(const char *s);
/* Split s at the given separator into at most max pieces (modifies s). */
int split(char *s, char sep, char **parts, int max);

/* ---- syscalls.c ---- */

/* Perform syscall `name` with string arguments and append its result object
 * {"ret":R,"errno":E,"error":"..."|null[,"value":...]} to j.  Returns false,
 * writing nothing and setting *why, when the name or arguments are not understood. */
bool run_syscall(struct json *j, const char *name, int argc, char **argv, const char **why);
void syscall_usage(void);

/* ---- ops.c: the operations `probe report` performs on request ---- */

/* Check the report options (exits with a usage error on a bad one). */
void ops_parse(int argc, char **argv);
/* Run the requested operations in order and add their fields to out. */
void ops_run(struct json *out);

/* ---- extra.c: scheduling attributes, memory policy, clocks, network devices, --out ---- */

void report_extra(struct json *out, struct json *errs);
void op_netdev(struct json *j, const char *name);
const char *take_out_option(int *argc, char **argv);

/* ---- main.c, report.c, commands.c ---- */

extern char **probe_argv; /* the probe's own argv */

int cmd_report(int argc, char **argv);
int cmd_exit(int argc, char **argv);
int cmd_echo(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_sleep(int argc, char **argv);
int cmd_wait_signal(int argc, char **argv);
int cmd_syscall(int argc, char **argv);
int cmd_fork(int argc, char **argv);
int cmd_alloc(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_listen_fds(int argc, char **argv);
int cmd_spin(int argc, char **argv);

/* Exit with status 2 after printing a usage message to stderr. */
void usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
