/* Decoding and validation of the binary plan. The whole program is checked before the first op runs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "init.h"

static int read_u32(const uint8_t *buf, size_t len, size_t *off, uint32_t *out) {
  if (len - *off < 4) return -1;
  memcpy(out, buf + *off, 4);
  *off += 4;
  return 0;
}

static int check_str(const uint8_t *p, uint32_t len) {
  return len >= 1 && p[len - 1] == 0 && memchr(p, 0, len - 1) == NULL ? 0 : -1;
}

static int check_strv(const uint8_t *p, uint32_t len) {
  size_t off = 0;
  uint32_t count, slen;
  if (read_u32(p, len, &off, &count)) return -1;
  for (uint32_t i = 0; i < count; i++) {
    if (read_u32(p, len, &off, &slen) || len - off < slen || check_str(p + off, slen)) return -1;
    off += slen;
  }
  return off == len ? 0 : -1;
}

static int check_arg(struct arg *a) {
  switch (a->type) {
  case ARG_U32: if (a->len != 4) return -1; { uint32_t v; memcpy(&v, a->data, 4); a->num = v; } return 0;
  case ARG_U64: if (a->len != 8) return -1; memcpy(&a->num, a->data, 8); return 0;
  case ARG_STR: return check_str(a->data, a->len);
  case ARG_STRV: return check_strv(a->data, a->len);
  case ARG_U32V: return a->len % 4 ? -1 : 0;
  case ARG_U64V: return a->len % 8 ? -1 : 0;
  case ARG_BYTES: return 0;
  }
  return -1;
}

int plan_decode(const uint8_t *buf, size_t len, struct op **ops_out, uint32_t *nops_out, const char **why) {
  size_t off = 0;
  uint32_t magic, version, nops;
  if (read_u32(buf, len, &off, &magic) || magic != PLAN_MAGIC) return *why = "bad magic", -1;
  if (read_u32(buf, len, &off, &version) || version != PLAN_VERSION) return *why = "unsupported plan version", -1;
  /* Each op takes at least 8 bytes (code, nargs): a count the buffer cannot hold is refused before allocating. */
  if (read_u32(buf, len, &off, &nops) || nops > (len - off) / 8) return *why = "bad op count", -1;
  struct op *ops = calloc(nops ? nops : 1, sizeof *ops);
  if (!ops) return *why = "out of memory", -1;
  for (uint32_t i = 0; i < nops; i++) {
    struct op *op = &ops[i];
    current_op = (int)i;
    if (read_u32(buf, len, &off, &op->code) || op->code == 0 || op->code >= OP__COUNT) return *why = "unknown op", -1;
    const struct op_def *def = &op_defs[op->code];
    if (read_u32(buf, len, &off, &op->nargs) || op->nargs != (uint32_t)def->nargs) return *why = "wrong argument count", -1;
    for (uint32_t k = 0; k < op->nargs; k++) {
      struct arg *a = &op->args[k];
      if (read_u32(buf, len, &off, &a->type) || read_u32(buf, len, &off, &a->len)) return *why = "truncated", -1;
      if (a->type != def->types[k] || len - off < a->len) return *why = "bad argument", -1;
      a->data = buf + off;
      off += a->len;
      if (check_arg(a)) return *why = "malformed argument", -1;
    }
  }
  if (off != len) return *why = "trailing bytes", -1;
  *ops_out = ops;
  *nops_out = nops;
  return 0;
}

const char *arg_str(const struct op *op, int i) { return (const char *)op->args[i].data; }
uint64_t arg_num(const struct op *op, int i) { return op->args[i].num; }

size_t arg_count(const struct op *op, int i) {
  const struct arg *a = &op->args[i];
  if (a->type == ARG_U32V) return a->len / 4;
  if (a->type == ARG_U64V) return a->len / 8;
  uint32_t count;
  memcpy(&count, a->data, 4);
  return count;
}

uint32_t arg_u32v(const struct op *op, int i, size_t k) {
  uint32_t v;
  memcpy(&v, op->args[i].data + 4 * k, 4);
  return v;
}

uint64_t arg_u64v(const struct op *op, int i, size_t k) {
  uint64_t v;
  memcpy(&v, op->args[i].data + 8 * k, 8);
  return v;
}

char **arg_strv(const struct op *op, int i) {
  const uint8_t *p = op->args[i].data;
  size_t count = arg_count(op, i), off = 4;
  char **v = calloc(count + 1, sizeof *v);
  if (!v) fail(ENOMEM, "allocate argument list");
  for (size_t k = 0; k < count; k++) {
    uint32_t slen;
    memcpy(&slen, p + off, 4);
    v[k] = (char *)(p + off + 4);
    off += 4 + slen;
  }
  return v;
}
