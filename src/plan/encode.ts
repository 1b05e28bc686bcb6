// Binary encoding of a plan, as native-helpers/init/plan.c decodes it: little-endian
// header {magic, version, nops}; per op {code, nargs, args...}; per arg {type, len, payload}.
import { ARG_TYPES, OPS, PLAN_MAGIC, PLAN_VERSION, type ArgType } from './ops.generated';
import type { Plan } from './program';
import { HakoError } from '../util/errors';

class Writer {
  private chunks: Buffer[] = [];
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.chunks.push(b);
  }
  bytes(b: Uint8Array): void {
    this.chunks.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  result(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function u64(v: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
  return b;
}

function cstring(s: string): Buffer {
  if (s.includes('\0')) throw new Error(`string contains a NUL byte: ${JSON.stringify(s)}`);
  return Buffer.from(s + '\0', 'utf8');
}

function u32(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${String(v)} is not a uint32`);
  return v;
}

function payload(type: ArgType, value: unknown): Buffer {
  switch (type) {
    case 'u32': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(u32(value));
      return b;
    }
    case 'u64':
      return u64(value as bigint | number);
    case 'str':
      return cstring(value as string);
    case 'strv': {
      const list = value as readonly string[];
      const w = new Writer();
      w.u32(list.length);
      for (const s of list) {
        const c = cstring(s);
        w.u32(c.length);
        w.bytes(c);
      }
      return w.result();
    }
    case 'u32v': {
      const list = value as readonly number[];
      const b = Buffer.alloc(list.length * 4);
      list.forEach((v, i) => b.writeUInt32LE(u32(v), i * 4));
      return b;
    }
    case 'u64v':
      return Buffer.concat((value as readonly (bigint | number)[]).map(u64));
    case 'bytes':
      return Buffer.from(value as Uint8Array);
  }
}

export function encodePlan(plan: Plan): Buffer {
  const w = new Writer();
  w.u32(PLAN_MAGIC);
  w.u32(PLAN_VERSION);
  w.u32(plan.length);
  for (const o of plan) {
    const def = OPS[o.name];
    w.u32(def.code);
    w.u32(def.args.length);
    for (const [name, type] of def.args) {
      const value = (o.args as Record<string, unknown>)[name];
      if (value === undefined) throw new Error(`plan op ${o.name}: missing argument ${name}`);
      let p: Buffer;
      try {
        p = payload(type, value);
      } catch (err) {
        throw new HakoError(`${o.where}: ${name}: ${(err as Error).message}`);
      }
      w.u32(ARG_TYPES.indexOf(type) + 1);
      w.u32(p.length);
      w.bytes(p);
    }
  }
  return w.result();
}

/** A readable listing of the plan, for `hako create --explain` and for tests. */
export function describePlan(plan: Plan): string {
  const show = (v: unknown): string => {
    if (typeof v === 'bigint') return `0x${v.toString(16)}`;
    if (v instanceof Uint8Array) return `<${v.length} bytes>`;
    if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
    return JSON.stringify(v);
  };
  return plan
    .map((o, i) => {
      const args = Object.entries(o.args as Record<string, unknown>).map(([k, v]) => `${k}=${show(v)}`);
      return `${String(i).padStart(3)} ${o.name.padEnd(16)} ${args.join(' ')}    # ${o.where}`;
    })
    .join('\n');
}
