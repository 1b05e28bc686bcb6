// The few socket calls the D-Bus client needs, straight from libc through koffi: loading libhako's wrapper (every
// helper of it declared) costs several times more than the three functions used here, on commands (delete,
// update) that load no other native code.
import * as fs from 'node:fs';
import { SysError } from '../../../util/errors';

type Fn = (...args: unknown[]) => number;
let libc: { koffi: typeof import('koffi'); socket: Fn; connect: Fn; poll: Fn } | undefined;

function load(): NonNullable<typeof libc> {
  if (libc) return libc;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  libc = {
    koffi,
    socket: lib.func('int socket(int domain, int type, int protocol)') as Fn,
    connect: lib.func('int connect(int fd, const uint8_t *addr, uint32_t len)') as Fn,
    poll: lib.func('int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)') as Fn,
  };
  return libc;
}

const AF_UNIX = 1;
const SOCK_STREAM_CLOEXEC = 1 | 0o2000000;
export const POLLIN = 0x1;

/** A close-on-exec AF_UNIX stream socket connected to path ("@name": abstract). */
export function connectUnix(path: string): number {
  const c = load();
  const name = path.startsWith('@') ? Buffer.concat([Buffer.from([0]), Buffer.from(path.slice(1))]) : Buffer.from(`${path}\0`);
  if (name.length > 108) throw new SysError(`connect to ${path}`, 36); // ENAMETOOLONG
  const addr = Buffer.alloc(2 + name.length);
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, 2);
  const fd = c.socket(AF_UNIX, SOCK_STREAM_CLOEXEC, 0);
  if (fd < 0) throw new SysError('socket', c.koffi.errno());
  if (c.connect(fd, addr, path.startsWith('@') ? addr.length : addr.length - 1) < 0) {
    const errno = c.koffi.errno();
    fs.closeSync(fd);
    throw new SysError(`connect to ${path}`, errno);
  }
  return fd;
}

/** poll(2) on one fd: its revents, or 0 after timeoutMs. EINTR is retried. */
export function pollFd(fd: number, events: number, timeoutMs: number): number {
  const c = load();
  const pfd = Buffer.alloc(8);
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(events, 4);
  for (;;) {
    const n = c.poll(pfd, 1, timeoutMs);
    if (n >= 0) return n === 0 ? 0 : pfd.readInt16LE(6);
    const errno = c.koffi.errno();
    if (errno !== 4) throw new SysError('poll', errno);
  }
}
