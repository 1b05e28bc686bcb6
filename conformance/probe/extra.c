/*
 * Report fields and operations for runtime-spec 1.3 process and kernel settings:
 *   schedAttr   sched_getattr(2): {policy, flags, nice, priority, runtime, deadline, period}
 *   mempolicy   get_mempolicy(2): {mode, flags, nodes} (mode without the MPOL_F_* flags; nodes as "0-1,3")
 *   clocks      {monotonic, boottime}: whole seconds of clock_gettime (time namespace offsets show here)
 *   --netdev NAME   {exists, up, index, addresses: ["169.254.1.2/32", ...]} of a network interface
 *   --out FILE      write the report to FILE (created or truncated, 0644) instead of stdout (hooks' stdout
 *                   is not the test's)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

struct probe_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static void nodes_list(struct json *j, const unsigned long *mask, int bits)
{
	char buf[1024];
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; i < bits; i++) {
		if (!(mask[i / 64] >> (i % 64) & 1))
			continue;
		int k = i;
		while (k + 1 < bits && mask[(k + 1) / 64] >> ((k + 1) % 64) & 1)
			k++;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, len ? ",%d" : "%d", i);
		if (k > i)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "-%d", k);
		i = k;
		if (len >= sizeof(buf) - 16)
			break;
	}
	json_str(j, buf);
}

void report_extra(struct json *out, struct json *errs)
{
	struct probe_sched_attr a;
	memset(&a, 0, sizeof(a));
	json_key(out, "schedAttr");
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) < 0) {
		json_null(out);
		json_key(errs, "schedAttr");
		json_str(errs, strerror(errno));
	} else {
		json_obj_begin(out);
		json_key(out, "policy"); json_int(out, a.policy);
		json_key(out, "flags"); json_int(out, (long long)a.flags);
		json_key(out, "nice"); json_int(out, a.nice);
		json_key(out, "priority"); json_int(out, a.priority);
		json_key(out, "runtime"); json_int(out, (long long)a.runtime);
		json_key(out, "deadline"); json_int(out, (long long)a.deadline);
		json_key(out, "period"); json_int(out, (long long)a.period);
		json_obj_end(out);
	}

	int mode = 0;
	unsigned long mask[16];
	memset(mask, 0, sizeof(mask));
	json_key(out, "mempolicy");
	if (syscall(SYS_get_mempolicy, &mode, mask, sizeof(mask) * 8, NULL, 0) < 0) {
		json_null(out);
		json_key(errs, "mempolicy");
		json_str(errs, strerror(errno));
	} else {
		json_obj_begin(out);
		json_key(out, "mode"); json_int(out, mode & 0xff);
		json_key(out, "flags"); json_int(out, mode & ~0xff);
		json_key(out, "nodes"); nodes_list(out, mask, (int)(sizeof(mask) * 8));
		json_obj_end(out);
	}

	struct timespec mono, boot;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	json_key(out, "clocks");
	json_obj_begin(out);
	json_key(out, "monotonic"); json_int(out, mono.tv_sec);
	json_key(out, "boottime"); json_int(out, boot.tv_sec);
	json_obj_end(out);
}

void op_netdev(struct json *j, const char *name)
{
	struct ifaddrs *list, *i;
	json_obj_begin(j);
	unsigned index = if_nametoindex(name);
	json_key(j, "exists"); json_bool(j, index != 0);
	json_key(j, "index"); json_int(j, index);
	if (getifaddrs(&list) < 0) {
		json_key(j, "errno"); json_int(j, errno);
		json_obj_end(j);
		return;
	}
	bool up = false;
	json_key(j, "addresses");
	json_arr_begin(j);
	for (i = list; i; i = i->ifa_next) {
		if (strcmp(i->ifa_name, name))
			continue;
		up = up || (i->ifa_flags & IFF_UP);
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		char addr[INET6_ADDRSTRLEN + 16];
		int bits = 0;
		const void *src, *mask;
		size_t n;
		if (i->ifa_addr->sa_family == AF_INET) {
			src = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			mask = i->ifa_netmask ? (const void *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr : NULL;
			n = 4;
		} else {
			src = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			mask = i->ifa_netmask ? (const void *)&((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr : NULL;
			n = 16;
		}
		for (size_t b = 0; mask && b < n; b++)
			bits += __builtin_popcount(((const unsigned char *)mask)[b]);
		inet_ntop(i->ifa_addr->sa_family, src, addr, sizeof(addr));
		snprintf(addr + strlen(addr), 16, "/%d", bits & 0xff);
		json_str(j, addr);
	}
	json_arr_end(j);
	json_key(j, "up"); json_bool(j, up);
	freeifaddrs(list);
	json_obj_end(j);
}

/* Remove "--out FILE" from argv (in place); returns the file or NULL. */
const char *take_out_option(int *argc, char **argv)
{
	const char *file = NULL;
	int k = 0;
	for (int i = 0; i < *argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < *argc) {
			file = argv[++i];
			continue;
		}
		argv[k++] = argv[i];
	}
	*argc = k;
	return file;
}
