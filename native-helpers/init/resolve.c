/* Paths inside the container's root: the init's only resolver. Every path is resolved with openat2 from the root
 * fd (RESOLVE_IN_ROOT: ".." and absolute symlinks stay inside; RESOLVE_NO_MAGICLINKS: no /proc/self/fd/N jump out),
 * once, to an fd that the later steps use. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "init.h"

int root_fd = -1;

int open_in_root(const char *path, int flags, uint64_t extra_resolve) {
  return openat2_cloexec(root_fd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve);
}

/* mkdir -p inside the root; the last component becomes a regular file when `as_file`.
 * Each component is created in its parent's fd and the prefix re-resolved from the root, so a symlink in the
 * rootfs can only lead inside it; a symlink whose target is missing is followed by creating the target, inside
 * the root (as runc's MkdirAllInRoot). With `exact` no symlink is followed at all. */
static int mkdir_in_root_depth(const char *path, int as_file, int exact, int depth) {
  char prefix[4096] = "";
  size_t plen = 0;
  const char *p = path;
  uint64_t resolve = exact ? RESOLVE_NO_SYMLINKS : 0;
  if (depth > 40) return errno = ELOOP, -1;
  int parent = open_in_root("/", O_PATH | O_DIRECTORY, 0);
  if (parent < 0) return -1;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *end = strchrnul(p, '/');
    size_t clen = (size_t)(end - p);
    int last = *end == '\0' || end[strspn(end, "/")] == '\0';
    if (plen + clen + 2 > sizeof prefix || clen > 255) { close(parent); errno = ENAMETOOLONG; return -1; }
    char name[256];
    memcpy(name, p, clen);
    name[clen] = 0;
    size_t parent_len = plen;
    prefix[plen++] = '/';
    memcpy(prefix + plen, p, clen);
    plen += clen;
    prefix[plen] = 0;
    int want_file = last && as_file;
    int fd = open_in_root(prefix, O_PATH | (want_file ? 0 : O_DIRECTORY), resolve);
    if (fd < 0 && errno == ENOENT) {
      char target[4096];
      ssize_t tlen = exact ? -1 : readlinkat(parent, name, target, sizeof target - 1);
      if (tlen > 0) {
        /* A dangling symlink: create what it points to instead, resolved in the root as always. */
        char next[8192];
        target[tlen] = 0;
        prefix[parent_len] = 0;
        snprintf(next, sizeof next, "%s%s%s%s", target[0] == '/' ? "" : prefix, target[0] == '/' ? "" : "/", target, end);
        close(parent);
        return mkdir_in_root_depth(next, as_file, exact, depth + 1);
      }
      int r;
      if (want_file) {
        r = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(parent, name, 0755);
      }
      if (r < 0 && errno != EEXIST) { int e = errno; close(parent); errno = e; return -1; }
      fd = open_in_root(prefix, O_PATH | (want_file ? 0 : O_DIRECTORY), resolve);
    }
    if (fd < 0) { int e = errno; close(parent); errno = e; return -1; }
    close(parent);
    parent = fd;
    p = end;
  }
  return parent;
}

int mkdir_in_root(const char *path, int as_file, int exact) {
  return mkdir_in_root_depth(path, as_file, exact, 0);
}

int open_parent_in_root(const char *path, char *base, size_t basesz) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  const char *b = slash ? slash + 1 : path;
  size_t dlen = slash ? (size_t)(slash - path) : 0;
  if (!*b || strlen(b) >= basesz || dlen >= sizeof dir || !strcmp(b, ".") || !strcmp(b, "..")) {
    errno = EINVAL;
    return -1;
  }
  memcpy(dir, path, dlen);
  dir[dlen] = 0;
  strcpy(base, b);
  return mkdir_in_root(dlen ? dir : "/", 0, 0);
}
