import { SpecError, childPointer } from './errors';

// A small JSON parser for config.json and friends. JSON.parse turns every number into a double, which
// loses uint64 values: rlimits use 18446744073709551615 (RLIM_INFINITY) and seccomp argument masks can be
// above 2^53. This parser returns the same value as JSON.parse (so schemas validate the usual way) and
// keeps the exact value of every integer literal that is not a safe integer, keyed by JSON pointer.
// It accepts exactly what JSON.parse accepts, and its errors say where and what was expected.

export interface ParsedJson {
  value: unknown;
  /** Exact values of integer literals outside ±(2^53-1), by RFC 6901 pointer, e.g. `/process/rlimits/0/hard`. */
  exactIntegers: Map<string, bigint>;
}

export const UINT64_MAX = 18446744073709551615n;
export const INT64_MIN = -9223372036854775808n;
export const INT64_MAX = 9223372036854775807n;

type Container =
  | { kind: 'object'; value: Record<string, unknown>; pointer: string; key: string }
  | { kind: 'array'; value: unknown[]; pointer: string };

/** Parses `text` like JSON.parse; `source` names it in errors (`config.json:3:5: unexpected '}', expected a value`). */
export function parseJson(text: string, source: string): ParsedJson {
  // Shortcut for the usual config: an integer literal of at most 15 digits is below 2^53, so without a run
  // of 16 digits nothing can lose precision and JSON.parse (much faster on a cold start) gives the same
  // value. Its errors are unhelpful, so a text it refuses goes through the parser below for the message.
  if (!/[0-9]{16}/.test(text)) {
    try {
      return { value: JSON.parse(text) as unknown, exactIntegers: new Map() };
    } catch {
      // fall through: handParseJson throws the located SpecError
    }
  }
  return handParseJson(text, source);
}

/** The hand-written parser behind parseJson, without the shortcut (exported for its tests). */
export function handParseJson(text: string, source: string): ParsedJson {
  return new Parser(text, source).parse();
}

/**
 * The exact value of a uint64 field: the recorded literal when the double lost precision, else the
 * double itself. Throws a SpecError naming `pointer` when the value is not a uint64.
 */
export function exactUint64(value: number, pointer: string, exact: Map<string, bigint>): bigint {
  return exactInteger(value, pointer, exact, 0n, UINT64_MAX);
}

/** Like exactUint64, for int64 fields (memory limits, device numbers, ...). */
export function exactInt64(value: number, pointer: string, exact: Map<string, bigint>): bigint {
  return exactInteger(value, pointer, exact, INT64_MIN, INT64_MAX);
}

function exactInteger(value: number, pointer: string, exact: Map<string, bigint>, min: bigint, max: bigint): bigint {
  const recorded = exact.get(pointer);
  // A recorded literal only counts if it is still the value at that place.
  const result = recorded !== undefined && Number(recorded) === value ? recorded : Number.isInteger(value) ? BigInt(value) : undefined;
  if (result === undefined || result < min || result > max) {
    throw new SpecError([{ pointer, message: `must be an integer from ${min} to ${max}` }]);
  }
  return result;
}

const enum Char {
  Tab = 0x09,
  LineFeed = 0x0a,
  CarriageReturn = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerE = 0x65,
  UpperE = 0x45,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

const simpleEscapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private pos = 0;
  private readonly exactIntegers = new Map<string, bigint>();
  // Containers being filled, innermost last: an explicit stack, so deep nesting cannot overflow ours.
  private readonly stack: Container[] = [];

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  parse(): ParsedJson {
    this.skipWhitespace();
    let value = this.parseValue('');
    for (;;) {
      const container = this.stack[this.stack.length - 1];
      if (container === undefined) break;
      this.attach(container, value);
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (container.kind === 'array') {
        if (c === Char.Comma) {
          this.pos++;
          this.skipWhitespace();
          value = this.parseValue(childPointer(container.pointer, container.value.length));
        } else if (c === Char.CloseBracket) {
          this.pos++;
          this.stack.pop();
          value = container.value;
        } else {
          this.fail("expected ',' or ']'");
        }
      } else if (c === Char.Comma) {
        this.pos++;
        this.skipWhitespace();
        value = this.parseValue(this.parseMemberName(container, 'expected a string (object key)'));
      } else if (c === Char.CloseBrace) {
        this.pos++;
        this.stack.pop();
        value = container.value;
      } else {
        this.fail("expected ',' or '}'");
      }
    }
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('expected the end of the document');
    return { value, exactIntegers: this.exactIntegers };
  }

  /**
   * Parses a value at the current position. Opening a non-empty container pushes it and goes on with its
   * first member (a loop, not recursion), so the value returned may be that member.
   */
  private parseValue(pointer: string): unknown {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === Char.OpenBrace) {
        this.pos++;
        this.skipWhitespace();
        const object: Record<string, unknown> = {};
        if (this.text.charCodeAt(this.pos) === Char.CloseBrace) {
          this.pos++;
          return object;
        }
        const container: Container = { kind: 'object', value: object, pointer, key: '' };
        this.stack.push(container);
        pointer = this.parseMemberName(container, "expected a string (object key) or '}'");
      } else if (c === Char.OpenBracket) {
        this.pos++;
        this.skipWhitespace();
        const array: unknown[] = [];
        if (this.text.charCodeAt(this.pos) === Char.CloseBracket) {
          this.pos++;
          return array;
        }
        this.stack.push({ kind: 'array', value: array, pointer });
        pointer = childPointer(pointer, 0);
      } else if (c === Char.Quote) {
        return this.parseString();
      } else if (c === Char.Minus || isDigit(c)) {
        return this.parseNumber(pointer);
      } else if (c === 0x74) {
        return this.parseLiteral('true', true);
      } else if (c === 0x66) {
        return this.parseLiteral('false', false);
      } else if (c === 0x6e) {
        return this.parseLiteral('null', null);
      } else {
        return this.fail('expected a value');
      }
    }
  }

  /** Parses `"key":` in an object, remembering the key for attach(); returns the pointer of the member's value. */
  private parseMemberName(container: Container & { kind: 'object' }, expectation: string): string {
    if (this.text.charCodeAt(this.pos) !== Char.Quote) this.fail(expectation);
    container.key = this.parseString();
    const pointer = childPointer(container.pointer, container.key);
    // Duplicate key: the last one wins, as with JSON.parse; forget what the earlier one recorded.
    if (Object.prototype.hasOwnProperty.call(container.value, container.key)) this.forgetExactIntegersUnder(pointer);
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) !== Char.Colon) this.fail("expected ':'");
    this.pos++;
    this.skipWhitespace();
    return pointer;
  }

  private attach(container: Container, value: unknown): void {
    if (container.kind === 'array') {
      container.value.push(value);
      return;
    }
    const { value: object, key } = container;
    if (key === '__proto__') {
      // Plain assignment would set the prototype; JSON.parse makes an own property.
      Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
    } else {
      object[key] = value;
    }
  }

  private forgetExactIntegersUnder(pointer: string): void {
    for (const recorded of [...this.exactIntegers.keys()]) {
      if (recorded === pointer || recorded.startsWith(`${pointer}/`)) this.exactIntegers.delete(recorded);
    }
  }

  private parseString(): string {
    const { text } = this;
    const start = this.pos;
    this.pos++;
    let result = '';
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= text.length) {
        const [line, column] = this.lineAndColumn(start);
        this.fail(`expected '"' to close the string that starts at ${line}:${column}`);
      }
      const c = text.charCodeAt(this.pos);
      if (c === Char.Quote) {
        result += text.slice(chunkStart, this.pos);
        this.pos++;
        return result;
      }
      if (c === Char.Backslash) {
        result += text.slice(chunkStart, this.pos);
        this.pos++;
        const escape = text[this.pos];
        if (escape === 'u') {
          const hex = text.slice(this.pos + 1, this.pos + 5);
          const bad = /[^0-9a-fA-F]|$/.exec(hex)?.index ?? 0;
          if (bad < 4) this.fail('expected four hex digits after \\u', this.pos + 1 + bad);
          result += String.fromCharCode(parseInt(hex, 16));
          this.pos += 5;
        } else if (escape !== undefined && Object.prototype.hasOwnProperty.call(simpleEscapes, escape)) {
          result += simpleEscapes[escape];
          this.pos++;
        } else {
          this.fail('expected an escape sequence (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        }
        chunkStart = this.pos;
      } else if (c < Char.Space) {
        this.fail('expected a character (control characters must be escaped in strings)');
      } else {
        this.pos++;
      }
    }
  }

  private parseNumber(pointer: string): number {
    const { text } = this;
    const start = this.pos;
    let integral = true;
    if (text.charCodeAt(this.pos) === Char.Minus) this.pos++;
    if (text.charCodeAt(this.pos) === Char.Zero) {
      this.pos++;
      if (isDigit(text.charCodeAt(this.pos))) this.fail('expected no leading zeros in a number');
    } else {
      this.digits();
    }
    if (text.charCodeAt(this.pos) === Char.Dot) {
      integral = false;
      this.pos++;
      this.digits();
    }
    const e = text.charCodeAt(this.pos);
    if (e === Char.LowerE || e === Char.UpperE) {
      integral = false;
      this.pos++;
      const sign = text.charCodeAt(this.pos);
      if (sign === Char.Plus || sign === Char.Minus) this.pos++;
      this.digits();
    }
    const literal = text.slice(start, this.pos);
    // Number() rounds a decimal literal exactly like JSON.parse does.
    const value = Number(literal);
    if (integral && !Number.isSafeInteger(value)) this.exactIntegers.set(pointer, BigInt(literal));
    return value;
  }

  private digits(): void {
    if (!isDigit(this.text.charCodeAt(this.pos))) this.fail('expected a digit');
    while (isDigit(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private parseLiteral<T>(word: string, value: T): T {
    for (let i = 0; i < word.length; i++) {
      if (this.text[this.pos + i] !== word[i]) this.fail(`expected '${word}'`, this.pos + i);
    }
    this.pos += word.length;
    return value;
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== Char.Space && c !== Char.LineFeed && c !== Char.CarriageReturn && c !== Char.Tab) return;
      this.pos++;
    }
  }

  /** 1-based line and column (in UTF-16 units) of a position; lines end at \n. */
  private lineAndColumn(position: number): [number, number] {
    let line = 1;
    let lineStart = 0;
    for (let i = this.text.indexOf('\n'); i !== -1 && i < position; i = this.text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return [line, position - lineStart + 1];
  }

  private describe(position: number): string {
    const codePoint = this.text.codePointAt(position);
    if (codePoint === undefined) return 'end of input';
    if (codePoint < 0x20 || codePoint === 0x7f || codePoint === 0xfeff) {
      return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
    }
    return `'${String.fromCodePoint(codePoint)}'`;
  }

  private fail(expectation: string, position = this.pos): never {
    const [line, column] = this.lineAndColumn(position);
    const what = `unexpected ${this.describe(position)}, ${expectation}`;
    const container = this.stack[this.stack.length - 1];
    const pointer = container === undefined ? '' : container.pointer;
    throw new SpecError([{ pointer, message: `${line}:${column}: ${what}` }], `${this.source}:${line}:${column}: ${what}`);
  }
}

function isDigit(c: number): boolean {
  return c >= Char.Zero && c <= Char.Nine;
}
