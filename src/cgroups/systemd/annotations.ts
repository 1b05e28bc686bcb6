// runc's `org.systemd.property.<Name>` annotations: extra properties of the container's unit, valued in the
// GVariant text format ("uint64 123", "'inactive-or-failed'", "true", "[ 'a', 'b' ]", "@as []").
import { CgroupError } from '../errors';
import { splitSignature, typeLength, type Variant, variant } from './dbus/wire';

export const PROPERTY_ANNOTATION_PREFIX = 'org.systemd.property.';

/** Set by hako from linux.cgroupsPath and the init's pid: an annotation may not move the container elsewhere. */
const MANAGED = new Set(['Slice', 'PIDs']);

export interface AnnotatedProperty {
  name: string;
  value: Variant;
  /** The annotation key, named in errors. */
  annotation: string;
}

const annotationPointer = (key: string): string => `/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** The unit properties the config's annotations ask for, in key order; errors name the annotation. */
export function annotatedProperties(annotations: Record<string, string> | undefined): AnnotatedProperty[] {
  const out: AnnotatedProperty[] = [];
  for (const key of Object.keys(annotations ?? {}).sort()) {
    if (!key.startsWith(PROPERTY_ANNOTATION_PREFIX)) continue;
    const fail = (why: string): never => {
      throw new CgroupError(why, annotationPointer(key));
    };
    let name = key.slice(PROPERTY_ANNOTATION_PREFIX.length);
    // runc's rule: latin letters only, at least 3.
    if (!/^[A-Za-z]{3,}$/.test(name)) fail(`invalid systemd property name ${JSON.stringify(name)} (letters only, at least 3)`);
    if (MANAGED.has(name)) fail(`${name} is set by hako (from linux.cgroupsPath and the container's process)`);
    let value: Variant;
    try {
      value = parseGVariant(annotations![key]!);
    } catch (err) {
      return fail(`value ${JSON.stringify(annotations![key])} is not in the GVariant text format: ${(err as Error).message}`);
    }
    // Documented as "...Sec" (TimeoutStopSec) but set over D-Bus as "...USec": convert, as runc does.
    const sec = /^(.*[a-z])Sec$/.exec(name);
    if (sec) {
      name = `${sec[1]}USec`;
      value = secondsToMicroseconds(value, fail);
    }
    out.push({ name, value, annotation: key });
  }
  return out;
}

function secondsToMicroseconds(v: Variant, fail: (why: string) => never): Variant {
  if (v.signature === 'd') return variant('t', BigInt(Math.trunc((v.value as number) * 1e6)));
  if (!'ynqiuxt'.includes(v.signature) || v.signature.length !== 1) fail('a ...Sec property takes a number of seconds');
  const n = BigInt(v.value as number | bigint);
  if (n < 0n) fail('a number of seconds cannot be negative');
  return variant('t', n * 1_000_000n);
}

// ---- the GVariant text format (the subset systemd properties use) ----

const KEYWORDS: Record<string, string> = {
  boolean: 'b', byte: 'y', int16: 'n', uint16: 'q', int32: 'i', uint32: 'u', int64: 'x', uint64: 't',
  double: 'd', string: 's', objectpath: 'o', signature: 'g',
};

const RANGES: Record<string, [bigint, bigint]> = {
  y: [0n, 255n], n: [-(1n << 15n), (1n << 15n) - 1n], q: [0n, (1n << 16n) - 1n], i: [-(1n << 31n), (1n << 31n) - 1n],
  u: [0n, (1n << 32n) - 1n], x: [-(1n << 63n), (1n << 63n) - 1n], t: [0n, (1n << 64n) - 1n],
};

/** Parses one GVariant text value into a D-Bus variant. Untyped integers are int32 and untyped decimals double, as in GLib. */
export function parseGVariant(text: string): Variant {
  const p = new Parser(text);
  const v = p.value(undefined);
  p.skipSpace();
  if (!p.atEnd()) throw new Error(`unexpected ${JSON.stringify(p.rest())} after the value`);
  return v;
}

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  rest(): string {
    return this.text.slice(this.pos, this.pos + 20);
  }

  skipSpace(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private eat(s: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  private word(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    return m ? m[0] : '';
  }

  /** One value; `type` is the signature the context requires (from "@t", a keyword or the array's element type). */
  value(type: string | undefined): Variant {
    this.skipSpace();
    if (this.eat('@')) {
      const sig = this.text.slice(this.pos);
      const n = typeLength(sig, 0);
      this.pos += n;
      return this.value(sig.slice(0, n));
    }
    const w = this.word();
    if (w && KEYWORDS[w]) {
      this.pos += w.length;
      if (type && type !== KEYWORDS[w]) throw new Error(`${w} where ${type} is expected`);
      return this.value(KEYWORDS[w]);
    }
    if (w === 'true' || w === 'false') {
      this.pos += w.length;
      if (type && type !== 'b') throw new Error(`a boolean where ${type} is expected`);
      return variant('b', w === 'true');
    }
    const c = this.text[this.pos];
    if (c === "'" || c === '"') return this.string(type ?? 's');
    if (c === '[') return this.array(type);
    if (c === '(') return this.tuple(type);
    if (c === '<') {
      this.pos++;
      const inner = this.value(undefined);
      if (!this.eat('>')) throw new Error('missing ">"');
      if (type && type !== 'v') throw new Error(`a variant where ${type} is expected`);
      return variant('v', inner);
    }
    return this.number(type);
  }

  private string(type: string): Variant {
    if (!'sog'.includes(type) || type.length !== 1) throw new Error(`a string where ${type} is expected`);
    const quote = this.text[this.pos++]!;
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) throw new Error('unterminated string');
      if (c === quote) break;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07' };
      if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new Error(`invalid \\${e} escape`);
        out += String.fromCodePoint(parseInt(hex, 16));
        this.pos += len;
      } else if (e !== undefined && simple[e]) {
        out += simple[e];
      } else if (e !== undefined) {
        out += e;
      }
    }
    return variant(type, out);
  }

  private number(type: string | undefined): Variant {
    const m = /^[+-]?(0[xX][0-9a-fA-F]+|\d+(\.\d*)?([eE][+-]?\d+)?|inf|nan)/.exec(this.text.slice(this.pos));
    if (!m) throw new Error(`unexpected ${JSON.stringify(this.rest() || 'end of input')}`);
    this.pos += m[0].length;
    const isFloat = /[.eE]|inf|nan/.test(m[0]) && !/^[+-]?0[xX]/.test(m[0]);
    const sig = type ?? (isFloat ? 'd' : 'i');
    if (sig === 'd') return variant('d', Number(m[0]));
    const range = RANGES[sig];
    if (!range) throw new Error(`a number where ${sig} is expected`);
    if (isFloat) throw new Error(`${m[0]} is not an integer`);
    const n = m[0].replace(/^\+/, '').startsWith('-') ? -BigInt(m[0].replace(/^[+-]/, '')) : BigInt(m[0].replace(/^\+/, ''));
    if (n < range[0] || n > range[1]) throw new Error(`${m[0]} is out of range for ${sig}`);
    return variant(sig, sig === 'x' || sig === 't' ? n : Number(n));
  }

  private array(type: string | undefined): Variant {
    if (type && type[0] !== 'a') throw new Error(`an array where ${type} is expected`);
    this.pos++;
    let element = type?.slice(1);
    const items: unknown[] = [];
    if (!this.eat(']')) {
      do {
        const v = this.value(element);
        element ??= v.signature;
        items.push(v.value);
      } while (this.eat(','));
      if (!this.eat(']')) throw new Error('missing "]"');
    }
    if (!element) throw new Error('an empty array needs a type, e.g. "@as []"');
    return variant(`a${element}`, items);
  }

  private tuple(type: string | undefined): Variant {
    this.pos++;
    if (type && type[0] !== '(') throw new Error(`a tuple where ${type} is expected`);
    const members = type ? splitSignature(type.slice(1, -1)) : undefined;
    const sigs: string[] = [];
    const values: unknown[] = [];
    do {
      const v = this.value(members?.[values.length]);
      sigs.push(v.signature);
      values.push(v.value);
    } while (this.eat(','));
    if (!this.eat(')')) throw new Error('missing ")"');
    if (members && members.length !== values.length) throw new Error(`${values.length} members where ${type} is expected`);
    return variant(`(${sigs.join('')})`, values);
  }
}
