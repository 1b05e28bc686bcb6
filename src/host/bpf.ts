// bpf(2) through koffi and libc's syscall(): load a BPF_PROG_TYPE_CGROUP_DEVICE program and attach it to
// a cgroup v2 directory. Loaded lazily, only when cgroup v2 device rules are applied.
import * as fs from 'node:fs';
import { SysError } from '../util/errors';

const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_DETACH = 9;
const BPF_PROG_GET_FD_BY_ID = 13;
const BPF_PROG_QUERY = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6; // enum bpf_attach_type
const BPF_F_ALLOW_MULTI = 2;
/** Big enough for every field used here; the kernel reads min(size, its own union size). */
const ATTR_SIZE = 128;

const SYS_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280, riscv64: 280, ppc64: 361, s390x: 351 };

type Koffi = typeof import('koffi');
type Pointer = unknown;

interface Libc {
  koffi: Koffi;
  syscall: (...args: unknown[]) => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  libc = { koffi, syscall: lib.func('long syscall(long number, ...)') as (...args: unknown[]) => number };
  return libc;
}

/** Native memory that does not move while the kernel reads or writes it. */
class NativeBuffer {
  readonly ptr: Pointer;
  readonly bytes: Uint8Array;
  readonly view: DataView;

  constructor(private readonly c: Libc, size: number) {
    this.ptr = c.koffi.alloc('uint8_t', size);
    const ab = c.koffi.view(this.ptr, size);
    this.bytes = new Uint8Array(ab);
    this.bytes.fill(0);
    this.view = new DataView(ab);
  }

  get address(): bigint {
    return this.c.koffi.address(this.ptr);
  }

  free(): void {
    this.c.koffi.free(this.ptr);
  }
}

function bpf(c: Libc, cmd: number, attr: NativeBuffer, what: string): number {
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new SysError(`${what}: bpf(2) syscall number unknown for ${process.arch}`, 38);
  const ret = Number(c.syscall(nr, 'int', cmd, 'void *', attr.ptr, 'unsigned int', ATTR_SIZE));
  if (ret < 0) throw new SysError(what, c.koffi.errno());
  return ret;
}

function withBuffers<T>(c: Libc, sizes: number[], body: (...bufs: NativeBuffer[]) => T): T {
  const bufs = sizes.map((s) => new NativeBuffer(c, s));
  try {
    return body(...bufs);
  } finally {
    for (const b of bufs) b.free();
  }
}

/**
 * BPF_PROG_LOAD of a cgroup device program; returns its fd. On a verifier refusal, loads once more with
 * the verifier log enabled and puts the log in the error.
 */
export function loadDeviceProgram(insns: Uint8Array, license = 'Apache'): number {
  const c = load();
  const licenseBytes = Buffer.from(`${license}\0`);
  const logSize = 1 << 16;
  return withBuffers(c, [ATTR_SIZE, insns.length, licenseBytes.length, logSize], (attr, code, lic, log) => {
    code.bytes.set(insns);
    lic.bytes.set(licenseBytes);
    const fill = (withLog: boolean): void => {
      attr.bytes.fill(0);
      attr.view.setUint32(0, BPF_PROG_TYPE_CGROUP_DEVICE, true);
      attr.view.setUint32(4, insns.length / 8, true);
      attr.view.setBigUint64(8, code.address, true);
      attr.view.setBigUint64(16, lic.address, true);
      if (withLog) {
        attr.view.setUint32(24, 1, true); // log_level
        attr.view.setUint32(28, logSize, true);
        attr.view.setBigUint64(32, log.address, true);
      }
      attr.bytes.set(Buffer.from('hako_devices'), 48); // prog_name, for bpftool
      attr.view.setUint32(68, BPF_CGROUP_DEVICE, true); // expected_attach_type
    };
    fill(false);
    try {
      return bpf(c, BPF_PROG_LOAD, attr, 'BPF_PROG_LOAD (cgroup device filter)');
    } catch (err) {
      fill(true);
      try {
        return bpf(c, BPF_PROG_LOAD, attr, 'BPF_PROG_LOAD (cgroup device filter)');
      } catch {
        const end = log.bytes.indexOf(0);
        const text = Buffer.from(log.bytes.subarray(0, end < 0 ? logSize : end)).toString().trim();
        if (text && err instanceof Error) err.message += `\nverifier log:\n${text}`;
        throw err;
      }
    }
  });
}

/** Ids of the device programs attached to a cgroup (BPF_PROG_QUERY). */
export function attachedDeviceProgramIds(cgroupFd: number): number[] {
  const c = load();
  return withBuffers(c, [ATTR_SIZE, 64 * 4], (attr, ids) => {
    attr.view.setUint32(0, cgroupFd, true);
    attr.view.setUint32(4, BPF_CGROUP_DEVICE, true);
    attr.view.setBigUint64(16, ids.address, true);
    attr.view.setUint32(24, 64, true); // prog_cnt: capacity in, count out
    bpf(c, BPF_PROG_QUERY, attr, 'BPF_PROG_QUERY (cgroup device filters)');
    const count = attr.view.getUint32(24, true);
    return Array.from({ length: count }, (_, i) => ids.view.getUint32(i * 4, true));
  });
}

function attachOrDetach(c: Libc, cmd: number, cgroupFd: number, progFd: number, flags: number, what: string): void {
  withBuffers(c, [ATTR_SIZE], (attr) => {
    attr.view.setUint32(0, cgroupFd, true);
    attr.view.setUint32(4, progFd, true);
    attr.view.setUint32(8, BPF_CGROUP_DEVICE, true);
    attr.view.setUint32(12, flags, true);
    bpf(c, cmd, attr, what);
  });
}

/**
 * Loads the program and attaches it to the cgroup directory with BPF_F_ALLOW_MULTI, then detaches the
 * device programs that were there before (an earlier hako program, on update). The attachment keeps the
 * program alive after this process exits.
 */
export function installDeviceFilter(cgroupDir: string, insns: Uint8Array, license = 'Apache'): void {
  const c = load();
  const dirFd = fs.openSync(cgroupDir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    const previous = attachedDeviceProgramIds(dirFd);
    const progFd = loadDeviceProgram(insns, license);
    try {
      attachOrDetach(c, BPF_PROG_ATTACH, dirFd, progFd, BPF_F_ALLOW_MULTI, `BPF_PROG_ATTACH (BPF_CGROUP_DEVICE) to ${cgroupDir}`);
    } finally {
      fs.closeSync(progFd);
    }
    for (const id of previous) {
      const oldFd = withBuffers(c, [ATTR_SIZE], (attr) => {
        attr.view.setUint32(0, id, true);
        return bpf(c, BPF_PROG_GET_FD_BY_ID, attr, `BPF_PROG_GET_FD_BY_ID ${id}`);
      });
      try {
        attachOrDetach(c, BPF_PROG_DETACH, dirFd, oldFd, 0, `BPF_PROG_DETACH (old device filter ${id}) from ${cgroupDir}`);
      } finally {
        fs.closeSync(oldFd);
      }
    }
  } finally {
    fs.closeSync(dirFd);
  }
}
