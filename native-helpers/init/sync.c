/* The sync socket: typed SOCK_SEQPACKET messages between the init and the runtime. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "init.h"

int sync_fd = -1;
int current_op = -1;
int fifo_report_fd = -1;
const char *fail_where;

int send_with_fd(int sock, const void *data, size_t len, int fd) {
  struct iovec iov = { (void *)data, len };
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  memset(&u, 0, sizeof u);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = u.buf;
  mh.msg_controllen = sizeof u.buf; /* CMSG_SPACE(4): go-runc and conmon check exactly this */
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do n = sendmsg(sock, &mh, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

int sync_send_fd(uint32_t type, int fd) {
  struct msg_hdr h = { type, current_op, 0, 0 };
  return send_with_fd(sync_fd, &h, sizeof h, fd);
}

int sync_send(uint32_t type, uint32_t arg, int err, const char *text) {
  char buf[sizeof(struct msg_hdr) + 4096];
  struct msg_hdr h = { type, current_op, err, arg };
  size_t tlen = text ? strnlen(text, 4095) : 0;
  memcpy(buf, &h, sizeof h);
  if (tlen) memcpy(buf + sizeof h, text, tlen);
  /* MSG_NOSIGNAL: once the runtime has gone, a report must not kill us with SIGPIPE. */
  return send(sync_fd, buf, sizeof h + tlen, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

void sync_wait_ok(void) {
  struct msg_hdr h;
  ssize_t n;
  do n = recv(sync_fd, &h, sizeof h, 0); while (n < 0 && errno == EINTR);
  if (n == (ssize_t)sizeof h && h.type == MSG_OK) return;
  /* EOF, abort, or garbage: the runtime is cleaning up; nothing more to say. */
  _exit(1);
}

void fail(int err, const char *fmt, ...) {
  char text[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (sync_send(MSG_ERROR, 0, err, text) < 0) {
    /* Nobody listens any more (after start): stderr is the container's stderr, and `start` reads the exec fifo
     * until EOF, so it gets the same report (a write to a fifo nobody reads must not kill us). */
    dprintf(2, "hako-init: %s%s%s\n", text, err ? ": " : "", err ? strerror(err) : "");
    if (fifo_report_fd >= 0) {
      signal(SIGPIPE, SIG_IGN);
      dprintf(fifo_report_fd, "%s: %s%s%s", fail_where ? fail_where : "container init", text, err ? ": " : "", err ? strerror(err) : "");
    }
  }
  _exit(1);
}
