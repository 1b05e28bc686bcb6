// The D-Bus wire format (little-endian), pure: signatures, marshalling and unmarshalling of messages.
// Only what talking to systemd needs: every basic type except unix fds, arrays, structs, dict entries, variants.

/** A value with its D-Bus signature, for variants (`v`) and property lists (`a(sv)`). */
export interface Variant {
  signature: string;
  value: unknown;
}

export const variant = (signature: string, value: unknown): Variant => ({ signature, value });

export const enum MessageType {
  MethodCall = 1,
  MethodReturn = 2,
  Error = 3,
  Signal = 4,
}

export const FLAG_NO_REPLY_EXPECTED = 0x1;

export interface Message {
  type: MessageType;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature: string;
  body: unknown[];
}

const HEADER_FIELDS = {
  path: [1, 'o'], interface: [2, 's'], member: [3, 's'], errorName: [4, 's'],
  replySerial: [5, 'u'], destination: [6, 's'], sender: [7, 's'], signature: [8, 'g'],
} as const;

const FIELD_NAMES: Record<number, string> = Object.fromEntries(Object.entries(HEADER_FIELDS).map(([k, [code]]) => [code, k]));

export class WireError extends Error {}

// ---- signatures ----

const BASIC = 'ybnqiuxtdsogh';

/** Length of the single complete type that starts at `sig[i]`. */
export function typeLength(sig: string, i: number): number {
  const c = sig[i];
  if (c === undefined) throw new WireError(`truncated signature "${sig}"`);
  if (BASIC.includes(c) || c === 'v') return 1;
  if (c === 'a') return 1 + typeLength(sig, i + 1);
  const close = c === '(' ? ')' : c === '{' ? '}' : undefined;
  if (!close) throw new WireError(`invalid type code ${JSON.stringify(c)} in signature "${sig}"`);
  let j = i + 1;
  while (sig[j] !== close) {
    if (j >= sig.length) throw new WireError(`unbalanced signature "${sig}"`);
    j += typeLength(sig, j);
  }
  if (j === i + 1) throw new WireError(`empty struct in signature "${sig}"`);
  return j - i + 1;
}

const splitCache = new Map<string, string[]>();

/** Splits a signature into its complete types ("sa(sv)" → ["s", "a(sv)"]). */
export function splitSignature(sig: string): string[] {
  let out = splitCache.get(sig);
  if (out) return out;
  out = [];
  for (let i = 0; i < sig.length;) {
    const n = typeLength(sig, i);
    out.push(sig.slice(i, i + n));
    i += n;
  }
  splitCache.set(sig, out);
  return out;
}

function alignment(type: string): number {
  switch (type[0]) {
    case 'y': case 'g': case 'v': return 1;
    case 'n': case 'q': return 2;
    case 'x': case 't': case 'd': case '(': case '{': return 8;
    default: return 4; // b i u s o a h
  }
}

// ---- writing ----

class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.ensure(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length++);
  }

  u32(v: number): void {
    this.fixed(4, (b, at) => b.writeUInt32LE(v, at));
  }

  /** An aligned fixed-size value, written in place. */
  fixed(bytes: number, write: (b: Buffer, at: number) => void): void {
    this.align(bytes);
    this.ensure(bytes);
    write(this.buf, this.length);
    this.length += bytes;
  }

  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function integer(value: unknown, type: string, min: bigint, max: bigint): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
  else throw new WireError(`expected an integer for D-Bus type ${type}, got ${JSON.stringify(value)}`);
  if (n < min || n > max) throw new WireError(`${n} is out of range for D-Bus type ${type}`);
  return n;
}

function writeString(w: Writer, value: unknown, type: string): void {
  if (typeof value !== 'string') throw new WireError(`expected a string for D-Bus type ${type}`);
  if (value.includes('\0')) throw new WireError('D-Bus strings cannot contain NUL');
  const bytes = Buffer.from(value, 'utf8');
  if (type === 'g') {
    if (bytes.length > 255) throw new WireError('signature too long');
    w.u8(bytes.length);
  } else {
    w.u32(bytes.length);
  }
  w.bytes(bytes);
  w.u8(0);
}

function writeValue(w: Writer, type: string, value: unknown): void {
  const c = type[0];
  const fixed = (bytes: number, write: (b: Buffer, at: number) => void): void => w.fixed(bytes, write);
  switch (c) {
    case 'y': w.u8(Number(integer(value, type, 0n, 255n))); return;
    case 'b':
      if (typeof value !== 'boolean') throw new WireError(`expected a boolean for D-Bus type b, got ${JSON.stringify(value)}`);
      w.u32(value ? 1 : 0);
      return;
    case 'n': fixed(2, (b, at) => b.writeInt16LE(Number(integer(value, type, -0x8000n, 0x7fffn)), at)); return;
    case 'q': fixed(2, (b, at) => b.writeUInt16LE(Number(integer(value, type, 0n, 0xffffn)), at)); return;
    case 'i': fixed(4, (b, at) => b.writeInt32LE(Number(integer(value, type, -0x80000000n, 0x7fffffffn)), at)); return;
    case 'u': fixed(4, (b, at) => b.writeUInt32LE(Number(integer(value, type, 0n, 0xffffffffn)), at)); return;
    case 'x': fixed(8, (b, at) => b.writeBigInt64LE(integer(value, type, -(1n << 63n), (1n << 63n) - 1n), at)); return;
    case 't': fixed(8, (b, at) => b.writeBigUInt64LE(integer(value, type, 0n, (1n << 64n) - 1n), at)); return;
    case 'd':
      if (typeof value !== 'number') throw new WireError(`expected a number for D-Bus type d, got ${JSON.stringify(value)}`);
      fixed(8, (b, at) => b.writeDoubleLE(value, at));
      return;
    case 's': case 'o': case 'g': writeString(w, value, c); return;
    case 'v': {
      const v = value as Variant;
      if (!v || typeof v.signature !== 'string') throw new WireError('expected a variant ({signature, value})');
      if (splitSignature(v.signature).length !== 1) throw new WireError(`a variant holds one complete type, not "${v.signature}"`);
      writeString(w, v.signature, 'g');
      writeValue(w, v.signature, v.value);
      return;
    }
    case 'a': {
      const element = type.slice(1);
      const items = element[0] === '{' && value instanceof Map ? [...value.entries()] : value;
      if (!Array.isArray(items)) throw new WireError(`expected an array for D-Bus type ${type}`);
      w.u32(0);
      const lengthAt = w.length - 4;
      w.align(alignment(element));
      const start = w.length;
      for (const item of items) writeValue(w, element, item);
      w.patchU32(lengthAt, w.length - start);
      return;
    }
    case '(': case '{': {
      const members = splitSignature(type.slice(1, -1));
      if (!Array.isArray(value) || value.length !== members.length) {
        throw new WireError(`expected ${members.length} members for D-Bus type ${type}`);
      }
      w.align(8);
      members.forEach((m, i) => writeValue(w, m, value[i]));
      return;
    }
    default:
      throw new WireError(`unsupported D-Bus type ${type}`);
  }
}

/** Marshals a message; `serial` must be non-zero. */
export function encodeMessage(m: Omit<Message, 'flags'> & { flags?: number }): Buffer {
  const types = splitSignature(m.signature);
  if (types.length !== m.body.length) throw new WireError(`signature "${m.signature}" does not match ${m.body.length} body values`);
  const body = new Writer();
  types.forEach((t, i) => writeValue(body, t, m.body[i]));

  const fields: [number, Variant][] = [];
  for (const [key, [code, sig]] of Object.entries(HEADER_FIELDS)) {
    const v = (m as unknown as Record<string, unknown>)[key];
    if (v === undefined || (key === 'signature' && v === '')) continue;
    fields.push([code, variant(sig, v)]);
  }
  const head = new Writer();
  head.u8(0x6c); // 'l': little endian
  head.u8(m.type);
  head.u8(m.flags ?? 0);
  head.u8(1); // protocol version
  head.u32(body.length);
  head.u32(m.serial);
  writeValue(head, 'a(yv)', fields);
  head.align(8);
  head.bytes(body.result());
  return head.result();
}

// ---- reading ----

class Reader {
  constructor(private readonly buf: Buffer, public pos = 0) {}

  align(n: number): void {
    this.pos += (n - (this.pos % n)) % n;
    this.need(0);
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new WireError('truncated D-Bus message');
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  fixed<T>(n: number, read: (b: Buffer, at: number) => T): T {
    this.align(n);
    this.need(n);
    const v = read(this.buf, this.pos);
    this.pos += n;
    return v;
  }

  u32(): number {
    return this.fixed(4, (b, at) => b.readUInt32LE(at));
  }

  string(type: string): string {
    const len = type === 'g' ? this.u8() : this.u32();
    this.need(len + 1);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len + 1;
    return s;
  }
}

/** Integers come back as numbers when exact, as bigints beyond 2^53 (x, t). */
function readValue(r: Reader, type: string): unknown {
  const big = (v: bigint): number | bigint => (v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  switch (type[0]) {
    case 'y': return r.u8();
    case 'b': return r.u32() !== 0;
    case 'n': return r.fixed(2, (b, at) => b.readInt16LE(at));
    case 'q': return r.fixed(2, (b, at) => b.readUInt16LE(at));
    case 'i': return r.fixed(4, (b, at) => b.readInt32LE(at));
    case 'u': case 'h': return r.u32();
    case 'x': return big(r.fixed(8, (b, at) => b.readBigInt64LE(at)));
    case 't': return big(r.fixed(8, (b, at) => b.readBigUInt64LE(at)));
    case 'd': return r.fixed(8, (b, at) => b.readDoubleLE(at));
    case 's': case 'o': case 'g': return r.string(type[0]);
    case 'v': {
      const signature = r.string('g');
      return variant(signature, readValue(r, signature));
    }
    case 'a': {
      const element = type.slice(1);
      const len = r.u32();
      r.align(alignment(element));
      const end = r.pos + len;
      r.need(len);
      const items: unknown[] = [];
      while (r.pos < end) items.push(readValue(r, element));
      return items;
    }
    case '(': case '{': {
      r.align(8);
      return splitSignature(type.slice(1, -1)).map((m) => readValue(r, m));
    }
    default:
      throw new WireError(`unsupported D-Bus type ${type}`);
  }
}

/** The total size of the message that starts the buffer, once its fixed header (16 bytes) is there. */
export function messageLength(head: Buffer): number | undefined {
  if (head.length < 16) return undefined;
  if (head[0] !== 0x6c) throw new WireError('only little-endian D-Bus messages are supported');
  const bodyLength = head.readUInt32LE(4);
  const fieldsLength = head.readUInt32LE(12);
  const headerEnd = 16 + fieldsLength;
  return headerEnd + ((8 - (headerEnd % 8)) % 8) + bodyLength;
}

export function decodeMessage(buf: Buffer): Message {
  const total = messageLength(buf);
  if (total === undefined || buf.length < total) throw new WireError('truncated D-Bus message');
  const r = new Reader(buf);
  r.pos = 1;
  const type = r.u8() as MessageType;
  const flags = r.u8();
  r.u8(); // version
  const bodyLength = r.u32();
  const serial = r.u32();
  const m: Message = { type, flags, serial, signature: '', body: [] };
  for (const [code, v] of readValue(r, 'a(yv)') as [number, Variant][]) {
    const key = FIELD_NAMES[code];
    if (key) (m as unknown as Record<string, unknown>)[key] = v.value;
  }
  r.align(8);
  const bodyEnd = r.pos + bodyLength;
  for (const t of m.signature ? splitSignature(m.signature) : []) m.body.push(readValue(r, t));
  if (r.pos !== bodyEnd) throw new WireError(`D-Bus message body does not match its signature "${m.signature}"`);
  return m;
}
