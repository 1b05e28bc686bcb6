// The only importer of koffi: typed 1:1 wrappers over libhako.so. Loaded lazily, only by the commands that
// spawn processes (create, run, exec), because loading koffi costs ~11 ms of every CLI call.
import { buildPath } from '../util/paths';
import { SysError } from '../util/errors';

type Fn = ((...args: unknown[]) => number) & { async: (...args: unknown[]) => void };

interface Lib {
  spawn: Fn;
  socketpair: Fn;
  send: Fn;
  recv: Fn;
  sealedMemfd: Fn;
  sealedCopy: Fn;
  waitpid: Fn;
  setSubreaper: Fn;
  mkfifo: Fn;
  memfd: Fn;
  seccompFlagSupported: Fn;
  unixSocket: Fn;
  setWinsize: Fn;
  getWinsize: Fn;
  dup: Fn;
  pipe: Fn;
  poll: Fn;
  ttyRaw: Fn;
  ttyRestore: Fn;
  writeProc: Fn;
}

let lib: Lib | undefined;

function load(): Lib {
  if (lib) return lib;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const so = koffi.load(buildPath('native', 'libhako.so'));
  const f = (decl: string): Fn => so.func(decl) as Fn;
  lib = {
    spawn: f('int hako_spawn(int exe_fd, const int *map, int n, const char **argv, const char **envp, int report_fd, _Out_ int *pidfd)'),
    socketpair: f('int hako_socketpair(_Out_ int *out)'),
    send: f('int hako_send(int fd, const void *buf, int len, const int *fds, int nfds)'),
    recv: f('int hako_recv(int fd, _Out_ void *buf, int cap, _Out_ int *fds, int maxfds, _Out_ int *nfds, int timeout_ms)'),
    sealedMemfd: f('int hako_sealed_memfd(const char *name, const void *data, int len)'),
    sealedCopy: f('int hako_sealed_copy(const char *path, const char *name)'),
    waitpid: f('int hako_waitpid(int pid, _Out_ int *status, int flags)'),
    setSubreaper: f('int hako_set_subreaper(void)'),
    mkfifo: f('int hako_mkfifo(const char *path, int mode)'),
    memfd: f('int hako_memfd(const char *name)'),
    seccompFlagSupported: f('int hako_seccomp_flag_supported(unsigned int flags)'),
    unixSocket: f('int hako_unix_socket(const char *path, int type, int bind_it)'),
    setWinsize: f('int hako_set_winsize(int fd, int rows, int cols)'),
    getWinsize: f('int hako_get_winsize(int fd, _Out_ int *out)'),
    dup: f('int hako_dup(int fd)'),
    pipe: f('int hako_pipe(_Out_ int *out)'),
    poll: f('int hako_poll(int fd, int events, int timeout_ms)'),
    ttyRaw: f('int hako_tty_raw(int fd, _Out_ uint8_t *saved, int cap)'),
    ttyRestore: f('int hako_tty_restore(int fd, const uint8_t *saved)'),
    writeProc: f('int hako_write_proc(int pid, const char *file, const char *text)'),
  };
  return lib;
}

function check(ret: number, what: string): number {
  if (ret < 0) throw new SysError(what, -ret);
  return ret;
}

/** An fd to hand to the child: `src` in this process becomes `dst` there. */
export interface FdMapping {
  src: number;
  dst: number;
  cloexec?: boolean;
}

/** Clone a child that execs the program at exeFd (a map destination) with exactly the mapped fds open.
 * reportFd (a map source) receives a MSG_ERROR record if the exec itself fails. */
export function spawn(exeFd: number, fds: FdMapping[], argv: string[], envp: string[], reportFd: number): { pid: number; pidfd: number } {
  const map = new Int32Array(fds.length * 3);
  fds.forEach((m, i) => map.set([m.src, m.dst, m.cloexec ? 1 : 0], i * 3));
  const pidfd = new Int32Array(1);
  const pid = check(load().spawn(exeFd, map, fds.length, [...argv, null], [...envp, null], reportFd, pidfd), 'clone');
  return { pid, pidfd: pidfd[0]! };
}

export function socketpairSeqpacket(): [number, number] {
  const out = new Int32Array(2);
  check(load().socketpair(out), 'socketpair');
  return [out[0]!, out[1]!];
}

/** One sendmsg; returns the bytes sent (a stream socket may take fewer than data.length). */
export function sendMessage(fd: number, data: Uint8Array, fds: number[] = []): number {
  return check(load().send(fd, data, data.length, new Int32Array(fds), fds.length), 'send');
}

/** One message, or null at EOF. Throws SysError(ETIMEDOUT) when nothing arrives within timeoutMs. */
export function receiveMessage(fd: number, timeoutMs: number, capacity = 8192): { data: Buffer; fds: number[] } | null {
  const buf = Buffer.alloc(capacity);
  const fds = new Int32Array(8);
  const nfds = new Int32Array(1);
  const n = check(load().recv(fd, buf, capacity, fds, 8, nfds, timeoutMs), 'receive from container init');
  if (n === 0) return null;
  return { data: buf.subarray(0, n), fds: Array.from(fds.subarray(0, nfds[0])) };
}

export function sealedMemfd(name: string, data: Uint8Array): number {
  return check(load().sealedMemfd(name, data, data.length), `memfd ${name}`);
}

export function sealedCopy(path: string, name: string): number {
  return check(load().sealedCopy(path, name), `copy ${path} into a sealed memfd`);
}

export const WNOHANG = 1;

/** waitpid: {pid: 0} when WNOHANG and still running. */
export function waitpid(pid: number, flags = 0): { pid: number; status: number } {
  const status = new Int32Array(1);
  const r = check(load().waitpid(pid, status, flags), `wait for ${pid}`);
  return { pid: r, status: status[0]! };
}

/** waitpid on a libuv worker thread, so the event loop keeps forwarding signals meanwhile. */
export function waitpidAsync(pid: number): Promise<number> {
  const status = new Int32Array(1);
  return new Promise((resolve, reject) => {
    load().waitpid.async(pid, status, 0, (err: unknown, ret: number) => {
      if (err) reject(err);
      else if (ret < 0) reject(new SysError(`wait for ${pid}`, -ret));
      else resolve(status[0]!);
    });
  });
}

/** The shell's convention for a wait status: the exit code, or 128 + the signal that killed it. */
export function exitCodeOf(status: number): number {
  const signal = status & 0x7f;
  return signal === 0 ? (status >> 8) & 0xff : 128 + signal;
}

export function setChildSubreaper(): void {
  check(load().setSubreaper(), 'prctl(PR_SET_CHILD_SUBREAPER)');
}

export function mkfifo(path: string, mode: number): void {
  check(load().mkfifo(path, mode), `mkfifo ${path}`);
}

/** A close-on-exec memfd, empty and writable. */
export function memfd(name: string): number {
  return check(load().memfd(name), `memfd ${name}`);
}

/** A close-on-exec AF_UNIX SOCK_STREAM socket connected to path (linux.seccomp.listenerPath). The same as
 * unixSocketConnect(path), which its caller can use instead. */
export function unixConnect(path: string): number {
  return unixSocketConnect(path);
}

/** Whether the kernel accepts the SECCOMP_FILTER_FLAG_* bits in flags (probed without installing anything). */
export function seccompFlagSupported(flags: number): boolean {
  return check(load().seccompFlagSupported(flags >>> 0), 'probe seccomp filter flags') === 1;
}

// ---- terminals, notify sockets, pipes ----

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;

/** A close-on-exec AF_UNIX socket connected to path ("@name": abstract; long paths are fine). */
export function unixSocketConnect(path: string, type = SOCK_STREAM): number {
  return check(load().unixSocket(path, type, 0), `connect to ${path}`);
}

/** A close-on-exec AF_UNIX socket bound to path. */
export function unixSocketBind(path: string, type: number): number {
  return check(load().unixSocket(path, type, 1), `bind ${path}`);
}

export function setWinsize(fd: number, rows: number, cols: number): void {
  check(load().setWinsize(fd, rows, cols), 'set the terminal size');
}

export function getWinsize(fd: number): { rows: number; cols: number } {
  const out = new Int32Array(2);
  check(load().getWinsize(fd, out), 'get the terminal size');
  return { rows: out[0]!, cols: out[1]! };
}

/** A close-on-exec duplicate of fd (a second fd number for the same open file). */
export function dup(fd: number): number {
  return check(load().dup(fd), 'dup');
}

/** A close-on-exec pipe: [read end, write end]. */
export function pipe(): [number, number] {
  const out = new Int32Array(2);
  check(load().pipe(out), 'pipe');
  return [out[0]!, out[1]!];
}

export const POLLIN = 0x1;
export const POLLHUP = 0x10;

/** poll(2) on one fd: its revents, or 0 when timeoutMs passed. */
export function poll(fd: number, events: number, timeoutMs: number): number {
  return check(load().poll(fd, events, timeoutMs), 'poll');
}

/** Put a terminal in raw mode (cfmakeraw); returns its previous modes for ttyRestore. */
export function ttyRaw(fd: number): Buffer {
  const saved = Buffer.alloc(256);
  const n = check(load().ttyRaw(fd, saved, saved.length), 'set the terminal to raw mode');
  return saved.subarray(0, n);
}

export function ttyRestore(fd: number, saved: Buffer): void {
  check(load().ttyRestore(fd, saved), 'restore the terminal mode');
}

/** Write text to /proc/<pid>/<file> through the host's procfs, never through anything mounted over it. */
export function writeProc(pid: number, file: string, text: string): void {
  check(load().writeProc(pid, file, text), `write /proc/${pid}/${file}`);
}
