// A minimal, synchronous D-Bus client over a unix socket: EXTERNAL authentication, Hello, method calls and
// waiting for a signal. Synchronous because the cgroup manager's operations are (hako's CLI blocks on its
// work); the socket is connected through libhako and read and written with plain read(2)/write(2), poll(2)
// bounding every wait. Why a client of our own rather than sd-bus or a JS library: see the README (measured).
import * as fs from 'node:fs';
import * as native from '../../../host/native';
import { decodeMessage, encodeMessage, FLAG_NO_REPLY_EXPECTED, type Message, messageLength, MessageType } from './wire';

export interface BusAddress {
  /** Socket path; "@name" for an abstract socket. */
  socket: string;
  /** A message bus (dbus-daemon): Hello first, and AddMatch to receive signals. False for a peer-to-peer socket
   * (systemd's private one), which has neither and sends us every signal. */
  bus: boolean;
}

/** The addresses of a D-Bus address string ("unix:path=...;unix:abstract=..."), in order; other transports are skipped. */
export function parseBusAddresses(address: string, bus = true): BusAddress[] {
  const out: BusAddress[] = [];
  for (const entry of address.split(';')) {
    const colon = entry.indexOf(':');
    if (colon < 0 || entry.slice(0, colon) !== 'unix') continue;
    const params = new Map(entry.slice(colon + 1).split(',').map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), decodeURIComponent(kv.slice(eq + 1))] as const;
    }));
    if (params.has('path')) out.push({ socket: params.get('path')!, bus });
    else if (params.has('abstract')) out.push({ socket: `@${params.get('abstract')!}`, bus });
  }
  return out;
}

/** An error reply: `name` is the D-Bus error name (org.freedesktop.systemd1.NoSuchUnit, ...). */
export class DBusError extends Error {
  constructor(readonly name: string, readonly detail: string) {
    super(detail ? `${detail} (${name})` : name);
  }
}

export interface CallOptions {
  destination?: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: unknown[];
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class DBusConnection {
  private input = Buffer.alloc(0);
  private serial = 0;
  private authenticated = false;
  /** Messages read while waiting for something else: replies by serial, signals in order. */
  private replies = new Map<number, Message>();
  private signals: Message[] = [];
  private pendingOut: Buffer[] = [];

  private constructor(private fd: number, readonly address: BusAddress, private readonly timeoutMs: number) {}

  /**
   * Connects and authenticates. Authentication, BEGIN and Hello are sent in one write (the daemon handles them
   * in order); their answers are read with the first reply the caller waits for.
   */
  static open(address: BusAddress, timeoutMs = DEFAULT_TIMEOUT_MS): DBusConnection {
    const fd = native.unixSocketConnect(address.socket);
    const c = new DBusConnection(fd, address, timeoutMs);
    const uid = Buffer.from(String(process.getuid?.() ?? 0)).toString('hex');
    c.pendingOut.push(Buffer.from(`\0AUTH EXTERNAL ${uid}\r\nBEGIN\r\n`));
    if (address.bus) {
      c.queue({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
    }
    return c;
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Queues a method call (sent with the next flush); returns its serial. */
  queue(o: CallOptions, noReply = false): number {
    const serial = ++this.serial;
    this.pendingOut.push(encodeMessage({
      type: MessageType.MethodCall, flags: noReply ? FLAG_NO_REPLY_EXPECTED : 0, serial,
      destination: o.destination, path: o.path, interface: o.interface, member: o.member,
      signature: o.signature ?? '', body: o.body ?? [],
    }));
    return serial;
  }

  /** Asks the bus to route matching signals to us (no-op on a peer-to-peer connection, which gets them all). */
  addMatch(rule: string): void {
    if (!this.address.bus) return;
    this.queue({
      destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus',
      member: 'AddMatch', signature: 's', body: [rule],
    }, true);
  }

  /** Calls a method and returns its reply body; an error reply throws DBusError. */
  call(o: CallOptions): unknown[] {
    const serial = this.queue(o);
    const reply = this.waitForReply(serial, `${o.interface}.${o.member}`);
    if (reply.type === MessageType.Error) throw new DBusError(reply.errorName ?? 'error', typeof reply.body[0] === 'string' ? reply.body[0] : '');
    return reply.body;
  }

  /** Waits for a signal that `match` accepts (signals read earlier included). */
  waitForSignal(match: (m: Message) => boolean, what: string, timeoutMs = this.timeoutMs): Message {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.signals.findIndex(match);
      if (i >= 0) return this.signals.splice(i, 1)[0]!;
      this.signals = [];
      this.readMessage(deadline, what);
    }
  }

  private waitForReply(serial: number, what: string): Message {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const reply = this.replies.get(serial);
      if (reply) {
        this.replies.delete(serial);
        return reply;
      }
      this.readMessage(deadline, what);
    }
  }

  private flush(): void {
    const out = Buffer.concat(this.pendingOut);
    this.pendingOut = [];
    for (let off = 0; off < out.length;) off += fs.writeSync(this.fd, out, off, out.length - off);
  }

  private fill(deadline: number, what: string): void {
    const left = deadline - Date.now();
    const revents = left > 0 ? native.poll(this.fd, native.POLLIN, left) : 0;
    if (revents === 0) throw new Error(`D-Bus: no answer to ${what} within ${Math.round(this.timeoutMs / 1000)} s`);
    const chunk = Buffer.alloc(65536);
    const n = fs.readSync(this.fd, chunk, 0, chunk.length, null);
    if (n === 0) {
      throw new Error(this.authenticated ? `D-Bus: the connection was closed while waiting for ${what}`
        : 'D-Bus: the bus closed the connection during authentication (EXTERNAL rejected?)');
    }
    this.input = Buffer.concat([this.input, chunk.subarray(0, n)]);
  }

  /** Reads one message (after the authentication answer), filing it as a reply or a signal. */
  private readMessage(deadline: number, what: string): void {
    this.flush();
    while (!this.authenticated) {
      const eol = this.input.indexOf('\r\n');
      if (eol < 0) {
        this.fill(deadline, what);
        continue;
      }
      const line = this.input.toString('latin1', 0, eol);
      this.input = this.input.subarray(eol + 2);
      if (!line.startsWith('OK ')) throw new Error(`D-Bus: authentication failed: ${line}`);
      this.authenticated = true;
    }
    let total: number | undefined;
    while ((total = messageLength(this.input)) === undefined || this.input.length < total) this.fill(deadline, what);
    const m = decodeMessage(this.input.subarray(0, total));
    this.input = this.input.subarray(total);
    if (m.type === MessageType.Signal) this.signals.push(m);
    else if (m.replySerial !== undefined) this.replies.set(m.replySerial, m);
  }
}
