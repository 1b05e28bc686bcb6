/* linux.netDevices: move a network device between network namespaces over rtnetlink, keeping its permanent
 * addresses, renaming it in the same RTM_NEWLINK as the move (so that no name clash can happen on the way).
 * A netlink socket belongs to the network namespace it was created in: for another namespace this thread
 * enters it with setns(CLONE_NEWNET) (per thread, allowed in a multithreaded process), creates the socket and
 * returns at once. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct msg {
  size_t len;
  union { struct nlmsghdr h; char buf[4096]; } u;
};

static void *msg_init(struct msg *m, uint16_t type, uint16_t flags, size_t hdrlen) {
  memset(m, 0, sizeof *m);
  m->u.h.nlmsg_type = type;
  m->u.h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
  m->u.h.nlmsg_seq = 1;
  m->len = NLMSG_LENGTH(hdrlen);
  return NLMSG_DATA(&m->u.h);
}

static void msg_attr(struct msg *m, uint16_t type, const void *data, size_t len) {
  struct rtattr *a = (struct rtattr *)(m->u.buf + NLMSG_ALIGN(m->len));
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(a), data, len);
  m->len = NLMSG_ALIGN(m->len) + RTA_ALIGN(a->rta_len);
}

static int nl_socket_in(int netns_fd) {
  int self = -1;
  if (netns_fd >= 0) {
    self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0) return -errno;
    if (setns(netns_fd, CLONE_NEWNET)) {
      int e = errno;
      close(self);
      return -e;
    }
  }
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int e = errno;
  if (self >= 0) {
    if (setns(self, CLONE_NEWNET)) e = errno, s = s >= 0 ? (close(s), -1) : s;
    close(self);
  }
  return s < 0 ? -e : s;
}

/* Send m; for a request with NLM_F_ACK, wait for the ack. reply (if given) gets the first non-error answer. */
static int transact(int s, struct msg *m, struct msg *reply) {
  m->u.h.nlmsg_len = (uint32_t)m->len;
  if (send(s, m->u.buf, m->len, 0) < 0) return -errno;
  for (;;) {
    struct msg in;
    ssize_t n = recv(s, in.u.buf, sizeof in.u.buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    for (struct nlmsghdr *h = &in.u.h; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = NLMSG_DATA(h);
        return e->error;
      }
      if (reply) {
        memcpy(reply->u.buf, h, h->nlmsg_len < sizeof reply->u.buf ? h->nlmsg_len : sizeof reply->u.buf);
        reply->len = h->nlmsg_len;
        return 0;
      }
    }
  }
}

static int link_index(int s, const char *name) {
  struct msg m, r;
  struct ifinfomsg *ifi = msg_init(&m, RTM_GETLINK, 0, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  msg_attr(&m, IFLA_IFNAME, name, strlen(name) + 1);
  int err = transact(s, &m, &r);
  if (err) return err;
  if (r.u.h.nlmsg_type != RTM_NEWLINK) return -EPROTO;
  return ((struct ifinfomsg *)NLMSG_DATA(&r.u.h))->ifi_index;
}

static int link_set(int s, int index, unsigned flags, unsigned change, const char *name, int netns_fd) {
  struct msg m;
  struct ifinfomsg *ifi = msg_init(&m, RTM_NEWLINK, NLM_F_ACK, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = flags;
  ifi->ifi_change = change;
  if (name) msg_attr(&m, IFLA_IFNAME, name, strlen(name) + 1);
  if (netns_fd >= 0) {
    uint32_t fd = (uint32_t)netns_fd;
    msg_attr(&m, IFLA_NET_NS_FD, &fd, sizeof fd);
  }
  return transact(s, &m, NULL);
}

#define MAX_ADDRS 64
struct addr {
  struct ifaddrmsg ifa;
  unsigned char local[16], address[16], brd[16];
  int has_local, has_address, has_brd;
};

/* The device's permanent addresses (configured ones; IPv6 link-local addresses come back by themselves). */
static int dump_addrs(int s, int index, struct addr *out, int max) {
  struct msg m;
  struct ifaddrmsg *ifa = msg_init(&m, RTM_GETADDR, NLM_F_DUMP, sizeof *ifa);
  ifa->ifa_family = AF_UNSPEC;
  m.u.h.nlmsg_len = (uint32_t)m.len;
  if (send(s, m.u.buf, m.len, 0) < 0) return -errno;
  int count = 0;
  for (;;) {
    static char buf[32768];
    ssize_t n = recv(s, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return count;
      if (h->nlmsg_type == NLMSG_ERROR) return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
      if (h->nlmsg_type != RTM_NEWADDR) continue;
      struct ifaddrmsg *a = NLMSG_DATA(h);
      if ((int)a->ifa_index != index) continue;
      struct addr x;
      memset(&x, 0, sizeof x);
      x.ifa = *a;
      uint32_t flags = a->ifa_flags;
      int alen = a->ifa_family == AF_INET6 ? 16 : 4;
      int rlen = (int)IFA_PAYLOAD(h);
      for (struct rtattr *r = IFA_RTA(a); RTA_OK(r, rlen); r = RTA_NEXT(r, rlen)) {
        if (r->rta_type == IFA_FLAGS && RTA_PAYLOAD(r) >= 4) memcpy(&flags, RTA_DATA(r), 4);
        if ((int)RTA_PAYLOAD(r) != alen) continue;
        if (r->rta_type == IFA_LOCAL) memcpy(x.local, RTA_DATA(r), (size_t)alen), x.has_local = 1;
        if (r->rta_type == IFA_ADDRESS) memcpy(x.address, RTA_DATA(r), (size_t)alen), x.has_address = 1;
        if (r->rta_type == IFA_BROADCAST) memcpy(x.brd, RTA_DATA(r), (size_t)alen), x.has_brd = 1;
      }
      if (!(flags & IFA_F_PERMANENT)) continue;
      if (a->ifa_family == AF_INET6 && x.address[0] == 0xfe && (x.address[1] & 0xc0) == 0x80) continue;
      if (a->ifa_family != AF_INET && a->ifa_family != AF_INET6) continue;
      if (count < max) out[count++] = x;
    }
  }
}

static int add_addr(int s, int index, const struct addr *x) {
  struct msg m;
  struct ifaddrmsg *ifa = msg_init(&m, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sizeof *ifa);
  *ifa = x->ifa;
  ifa->ifa_index = (uint32_t)index;
  size_t alen = x->ifa.ifa_family == AF_INET6 ? 16 : 4;
  if (x->has_local) msg_attr(&m, IFA_LOCAL, x->local, alen);
  if (x->has_address) msg_attr(&m, IFA_ADDRESS, x->address, alen);
  if (x->has_brd) msg_attr(&m, IFA_BROADCAST, x->brd, alen);
  int err = transact(s, &m, NULL);
  return err == -EEXIST ? 0 : err;
}

static int failed(char *why, int len, int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, (size_t)len, fmt, ap);
  va_end(ap);
  return err < 0 ? err : -EIO;
}

/* Move the device `name` from the network namespace at from_fd (-1: ours) to the one at to_fd, named `newname`
 * there, with its permanent addresses; set it up there when `up`. Returns 0 or -errno, with `why` saying which
 * step failed. */
int hako_netdev_move(const char *name, const char *newname, int from_fd, int to_fd, int up, char *why, int whylen) {
  struct addr addrs[MAX_ADDRS];
  int src = -1, dst = -1, err;
  why[0] = 0;
  src = nl_socket_in(from_fd);
  if (src < 0) return failed(why, whylen, src, "open a netlink socket in the source network namespace");
  int index = link_index(src, name);
  if (index < 0) { close(src); return failed(why, whylen, index, "find network device %s", name); }
  int naddrs = dump_addrs(src, index, addrs, MAX_ADDRS);
  if (naddrs < 0) { close(src); return failed(why, whylen, naddrs, "list the addresses of %s", name); }
  err = link_set(src, index, 0, IFF_UP, NULL, -1);
  if (err) { close(src); return failed(why, whylen, err, "set %s down", name); }
  err = link_set(src, index, 0, 0, newname, to_fd);
  close(src);
  if (err) return failed(why, whylen, err, "move %s to the network namespace as %s", name, newname);
  dst = nl_socket_in(to_fd);
  if (dst < 0) return failed(why, whylen, dst, "open a netlink socket in the target network namespace");
  index = link_index(dst, newname);
  if (index < 0) { close(dst); return failed(why, whylen, index, "find network device %s after the move", newname); }
  for (int i = 0; i < naddrs; i++) {
    err = add_addr(dst, index, &addrs[i]);
    if (err) { close(dst); return failed(why, whylen, err, "restore an address of %s", newname); }
  }
  if (up) {
    err = link_set(dst, index, IFF_UP, IFF_UP, NULL, -1);
    if (err) { close(dst); return failed(why, whylen, err, "set %s up", newname); }
  }
  close(dst);
  return 0;
}
