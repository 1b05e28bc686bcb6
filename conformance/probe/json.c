/* JSON writer: builds the document in memory so that it can be written in one go. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

void json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
	j->first[0] = true;
}

void json_free(struct json *j)
{
	free(j->buf);
	j->buf = NULL;
	j->len = j->cap = 0;
}

static void put(struct json *j, const char *s, size_t n)
{
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 4096;
		while (j->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(j->buf, cap);
		if (!p) {
			static const char msg[] = "probe: out of memory\n";
			if (write(2, msg, sizeof(msg) - 1) < 0) { /* nothing more to do */ }
			_exit(1);
		}
		j->buf = p;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void putc_(struct json *j, char c) { put(j, &c, 1); }

/* Emit the separator that precedes a value (or a key) at the current level. */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		putc_(j, ',');
	j->first[j->depth] = false;
}

static void open_(struct json *j, char c)
{
	sep(j);
	putc_(j, c);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		abort(); /* a programming error, never data-dependent */
	j->first[++j->depth] = true;
}

static void close_(struct json *j, char c)
{
	j->depth--;
	putc_(j, c);
}

void json_obj_begin(struct json *j) { open_(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr_begin(struct json *j) { open_(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

/* Length of a valid UTF-8 sequence starting at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned cp;
	if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
	else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
	else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0; /* overlong, out of range or surrogate */
	return len;
}

static void put_string(struct json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char tmp[8];
	putc_(j, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			putc_(j, '\\');
			putc_(j, (char)c);
			i++;
		} else if (c >= 0x20 && c < 0x80) {
			size_t k = i;
			while (k < n && s[k] >= 0x20 && s[k] < 0x80 && s[k] != '"' && s[k] != '\\')
				k++;
			put(j, str + i, k - i);
			i = k;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': put(j, "\\n", 2); break;
			case '\r': put(j, "\\r", 2); break;
			case '\t': put(j, "\\t", 2); break;
			case '\b': put(j, "\\b", 2); break;
			case '\f': put(j, "\\f", 2); break;
			default:
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				put(j, tmp, 6);
			}
			i++;
		} else {
			size_t len = utf8_len(s + i, n - i);
			if (len) {
				put(j, str + i, len);
				i += len;
			} else { /* not UTF-8: escape the byte as U+00XX */
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				put(j, tmp, 6);
				i++;
			}
		}
	}
	putc_(j, '"');
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	put_string(j, key, strlen(key));
	putc_(j, ':');
	j->after_key = true;
}

void json_strn(struct json *j, const char *s, size_t n)
{
	sep(j);
	put_string(j, s, n);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void json_int(struct json *j, long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%lld", v);
	sep(j);
	put(j, tmp, (size_t)n);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void json_null(struct json *j)
{
	sep(j);
	put(j, "null", 4);
}

void json_raw_value(struct json *j, const char *text, size_t n)
{
	sep(j);
	put(j, text, n);
}

void json_append(struct json *j, const char *text, size_t n)
{
	put(j, text, n);
}

void json_errno_obj(struct json *j, int err)
{
	json_obj_begin(j);
	json_key(j, "errno");
	json_int(j, err);
	json_key(j, "error");
	json_str(j, strerror(err));
	json_obj_end(j);
}

void json_ok_or_errno(struct json *j, int err)
{
	json_obj_begin(j);
	json_key(j, "ok");
	json_bool(j, err == 0);
	if (err) {
		json_key(j, "errno");
		json_int(j, err);
		json_key(j, "error");
		json_str(j, strerror(err));
	}
	json_obj_end(j);
}

int json_write_fd(const struct json *j, int fd)
{
	size_t off = 0;
	while (off < j->len) {
		ssize_t n = write(fd, j->buf + off, j->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}
