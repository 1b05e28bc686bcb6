// A minimal, synchronous D-Bus client over a unix socket: EXTERNAL authentication, Hello, method calls and
// waiting for a signal. Synchronous because the cgroup manager's operations are (hako's CLI blocks on its
// work); the socket is read and written with plain read(2)/write(2) (fs.readSync/writeSync), poll(2)
// bounding every wait (socket.ts). Why a client of our own rather than sd-bus or a JS library: see the README (measured).
import * as fs from 'node:fs';
import { connectUnix, POLLIN, pollFd } from './socket';
import { decodeMessage, encodeMessage, FLAG_NO_REPLY_EXPECTED, type Message, messageLength, MessageType } from './wire';

/**
 * The unix sockets of a D-Bus address string ("unix:path=...;unix:abstract=..."), in order ("@name" for an abstract
 * one); other transports are skipped.
 */
export function parseBusAddresses(address: string): string[] {
  const out: string[] = [];
  for (const entry of address.split(';')) {
    const colon = entry.indexOf(':');
    if (colon < 0 || entry.slice(0, colon) !== 'unix') continue;
    const params = new Map(entry.slice(colon + 1).split(',').map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), decodeURIComponent(kv.slice(eq + 1))] as const;
    }));
    if (params.has('path')) out.push(params.get('path')!);
    else if (params.has('abstract')) out.push(`@${params.get('abstract')!}`);
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
let readBuffer: Buffer | undefined;

export class DBusConnection {
  private input = Buffer.alloc(0);
  private serial = 0;
  private authenticated = false;
  /** Messages read while waiting for something else: replies by serial, signals in order. */
  private replies = new Map<number, Message>();
  private signals: Message[] = [];
  private pendingOut: Buffer[] = [];

  private constructor(private fd: number, private readonly timeoutMs: number) {}

  /**
   * Connects to a message bus (dbus-daemon, dbus-broker) and authenticates. Authentication, BEGIN and Hello go out
   * in one write with the first call (the bus handles them in order); their answers are read with its reply.
   * (systemd's own private socket is not used: its server, v252, leaves a message sent along with BEGIN unread.)
   */
  static open(socket: string, timeoutMs = DEFAULT_TIMEOUT_MS): DBusConnection {
    const c = new DBusConnection(connectUnix(socket), timeoutMs);
    const uid = Buffer.from(String(process.getuid?.() ?? 0)).toString('hex');
    c.pendingOut.push(Buffer.from(`\0AUTH EXTERNAL ${uid}\r\nBEGIN\r\n`));
    c.queue({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
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

  /** Asks the bus to route matching signals to us. */
  addMatch(rule: string): void {
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
    const revents = left > 0 ? pollFd(this.fd, POLLIN, left) : 0;
    if (revents === 0) throw new Error(`D-Bus: no answer to ${what} within ${Math.round(this.timeoutMs / 1000)} s`);
    const chunk = (readBuffer ??= Buffer.allocUnsafe(65536));
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
