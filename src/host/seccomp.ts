// libseccomp (libseccomp.so.2) through koffi: typed 1:1 wrappers over the calls hako needs to compile an OCI
// seccomp profile into BPF. Loaded lazily, only when a config has linux.seccomp (and by `features`).
// The init installs the exported program itself (op SECCOMP), so nothing here ever loads a filter.
import * as fs from 'node:fs';
import { HakoError } from '../util/errors';
import * as native from './native';

type Fn = (...args: unknown[]) => unknown;

interface Lib {
  version: Fn;
  apiGet: Fn;
  init: Fn;
  release: Fn;
  archNative: Fn;
  archResolveName: Fn;
  archAdd: Fn;
  archRemove: Fn;
  archExist: Fn;
  resolveName: Fn;
  resolveNameArch: Fn;
  ruleAddArray: Fn;
  attrSet: Fn;
  exportBpf: Fn;
  exportBpfMem?: Fn;
  decodeVersion: (p: unknown) => { major: number; minor: number; micro: number };
}

/** The library name hako loads; HAKO_LIBSECCOMP overrides it (a path, for a libseccomp outside the linker's path). */
export function libseccompName(): string {
  return process.env.HAKO_LIBSECCOMP || 'libseccomp.so.2';
}

let lib: Lib | undefined;

function load(): Lib {
  if (lib) return lib;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const name = libseccompName();
  let so: ReturnType<typeof koffi.load>;
  try {
    so = koffi.load(name);
  } catch (err) {
    throw new HakoError(`libseccomp is needed for seccomp profiles but ${name} cannot be loaded (${(err as Error).message}); ` +
      'install libseccomp2 (Debian, Ubuntu) or libseccomp (Fedora, Alpine)');
  }
  const f = (decl: string): Fn => so.func(decl) as Fn;
  const version = koffi.struct('hako_scmp_version', { major: 'uint', minor: 'uint', micro: 'uint' });
  let exportBpfMem: Fn | undefined;
  try {
    // libseccomp >= 2.6; older versions export to an fd only.
    exportBpfMem = f('int seccomp_export_bpf_mem(void *ctx, void *buf, size_t *len)');
  } catch {
    exportBpfMem = undefined;
  }
  lib = {
    version: f('const void *seccomp_version(void)'),
    apiGet: f('unsigned int seccomp_api_get(void)'),
    init: f('void *seccomp_init(uint32_t def_action)'),
    release: f('void seccomp_release(void *ctx)'),
    archNative: f('uint32_t seccomp_arch_native(void)'),
    archResolveName: f('uint32_t seccomp_arch_resolve_name(const char *name)'),
    archAdd: f('int seccomp_arch_add(void *ctx, uint32_t arch)'),
    archRemove: f('int seccomp_arch_remove(void *ctx, uint32_t arch)'),
    archExist: f('int seccomp_arch_exist(void *ctx, uint32_t arch)'),
    resolveName: f('int seccomp_syscall_resolve_name(const char *name)'),
    resolveNameArch: f('int seccomp_syscall_resolve_name_arch(uint32_t arch, const char *name)'),
    ruleAddArray: f('int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int count, const void *args)'),
    attrSet: f('int seccomp_attr_set(void *ctx, int attr, uint32_t value)'),
    exportBpf: f('int seccomp_export_bpf(void *ctx, int fd)'),
    exportBpfMem,
    decodeVersion: (p) => koffi.decode(p, version) as { major: number; minor: number; micro: number },
  };
  return lib;
}

/** The resolver's answer for a name it does not know (__NR_SCMP_ERROR). Other negative numbers are libseccomp's
 * pseudo syscalls (__PNR_*): names it knows that do not exist on that architecture. */
export const NR_SCMP_ERROR = -1;

/** enum scmp_filter_attr (seccomp.h). */
export const ATTR = {
  ACT_DEFAULT: 1, ACT_BADARCH: 2, CTL_NNP: 3, CTL_TSYNC: 4, API_TSKIP: 5, CTL_LOG: 6, CTL_SSB: 7, CTL_OPTIMIZE: 8,
  API_SYSRAWRC: 9,
} as const;

/** struct scmp_arg_cmp: which argument, enum scmp_compare, and the two operands. */
export interface ArgCmp {
  arg: number;
  op: number;
  datumA: bigint;
  datumB: bigint;
}

const ARG_CMP_SIZE = 24; // unsigned int, enum (int), two uint64_t

function encodeArgs(args: readonly ArgCmp[]): Buffer {
  const b = Buffer.alloc(Math.max(1, args.length) * ARG_CMP_SIZE);
  args.forEach((a, i) => {
    const o = i * ARG_CMP_SIZE;
    b.writeUInt32LE(a.arg, o);
    b.writeInt32LE(a.op, o + 4);
    b.writeBigUInt64LE(BigInt.asUintN(64, a.datumA), o + 8);
    b.writeBigUInt64LE(BigInt.asUintN(64, a.datumB), o + 16);
  });
  return b;
}

/** libseccomp's version and API level (seccomp_api_get: what the library and this kernel support together). */
export function libraryInfo(): { version: string; api: number } {
  const l = load();
  const v = l.decodeVersion(l.version());
  return { version: `${v.major}.${v.minor}.${v.micro}`, api: l.apiGet() as number };
}

export function nativeArch(): number {
  return load().archNative() as number >>> 0;
}

/** An architecture token (AUDIT_ARCH_* value, or libseccomp's own for x32) by libseccomp name ("x86_64"); 0 if unknown. */
export function resolveArch(name: string): number {
  return load().archResolveName(name) as number >>> 0;
}

/** A syscall number on the native architecture: >= 0, a pseudo number (< -1) or NR_SCMP_ERROR. */
export function resolveSyscall(name: string): number {
  return load().resolveName(name) as number;
}

/** A syscall number on architecture `arch`, as resolveSyscall. */
export function resolveSyscallOnArch(arch: number, name: string): number {
  return load().resolveNameArch(arch >>> 0, name) as number;
}

/** A libseccomp filter context (seccomp_init); release() it when done. */
export class Filter {
  private ctx: unknown;

  /** Throws when libseccomp refuses the default action (unknown, or unsupported by this kernel). */
  constructor(defaultAction: number) {
    this.ctx = load().init(defaultAction >>> 0);
    if (!this.ctx) throw new HakoError(`libseccomp refuses default action 0x${(defaultAction >>> 0).toString(16)}`);
  }

  /** seccomp_arch_add: 0 or -errno (-EEXIST when already present). */
  addArch(arch: number): number {
    return load().archAdd(this.ctx, arch >>> 0) as number;
  }

  removeArch(arch: number): number {
    return load().archRemove(this.ctx, arch >>> 0) as number;
  }

  hasArch(arch: number): boolean {
    return load().archExist(this.ctx, arch >>> 0) === 0;
  }

  /** seccomp_attr_set: 0 or -errno. */
  setAttr(attr: number, value: number): number {
    return load().attrSet(this.ctx, attr, value >>> 0) as number;
  }

  /** seccomp_rule_add_array (not _exact: libseccomp translates the rule to every architecture of the filter). */
  addRule(action: number, syscall: number, args: readonly ArgCmp[]): number {
    return load().ruleAddArray(this.ctx, action >>> 0, syscall, args.length, encodeArgs(args)) as number;
  }

  /** The BPF program: struct sock_filter[] in host byte order. */
  exportBpf(): Buffer {
    const l = load();
    if (l.exportBpfMem) {
      // libseccomp >= 2.6: size first (NULL buffer), then the program. Anything odd: the fd way below.
      try {
        const len = new BigUint64Array(1);
        if ((l.exportBpfMem(this.ctx, null, len) as number) === 0 && len[0]! > 0n && len[0]! % 8n === 0n) {
          const buf = Buffer.alloc(Number(len[0]));
          if ((l.exportBpfMem(this.ctx, buf, len) as number) === 0 && Number(len[0]) === buf.length) return buf;
        }
      } catch {
        // fall back
      }
    }
    const fd = native.memfd('hako-seccomp-bpf');
    try {
      const r = l.exportBpf(this.ctx, fd) as number;
      if (r < 0) throw new HakoError(`seccomp_export_bpf: error ${-r}`);
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(size);
      let off = 0;
      while (off < size) {
        const n = fs.readSync(fd, buf, off, size - off, off);
        if (n <= 0) break;
        off += n;
      }
      return buf.subarray(0, off);
    } finally {
      fs.closeSync(fd);
    }
  }

  release(): void {
    if (this.ctx) load().release(this.ctx);
    this.ctx = null;
  }
}
