import t from 'tap';
import { SpecError } from './errors';
import { exactInt64, exactUint64, handParseJson, parseJson } from './json';

// Most tests exercise the hand-written parser itself; parseJson's shortcut has its own test below.
function parse(text: string) {
  return handParseJson(text, 'config.json');
}

function parseError(text: string): SpecError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error(`parsed without error: ${JSON.stringify(text)}`);
}

t.test('keeps the exact value of integers beyond 2^53, keyed by JSON pointer', async (t) => {
  const text = `{
  "process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 18446744073709551615}]},
  "linux": {"seccomp": {"syscalls": [{"args": [{"index": 1, "value": 9007199254740993, "op": "SCMP_CMP_MASKED_EQ"}]}]}},
  "annotations": {"a/b~c": 12345678901234567890},
  "negative": -9223372036854775808,
  "safe": 9007199254740991,
  "float": 18446744073709551615.0,
  "exponent": 1e30
}`;
  const { value, exactIntegers } = parse(text);
  t.same(value, JSON.parse(text), 'value is what JSON.parse gives');
  t.same(
    [...exactIntegers],
    [
      ['/process/rlimits/0/hard', 18446744073709551615n],
      ['/linux/seccomp/syscalls/0/args/0/value', 9007199254740993n],
      ['/annotations/a~1b~0c', 12345678901234567890n],
      ['/negative', -9223372036854775808n],
    ],
  );
});

t.test('a top-level large integer has the empty pointer', async (t) => {
  t.same([...parse('18446744073709551616').exactIntegers], [['', 18446744073709551616n]]);
});

t.test('duplicate keys: the last wins, like JSON.parse, and stale exact values are forgotten', async (t) => {
  const text = '{"a": 18446744073709551615, "b": {"c": 9007199254740993}, "a": 1, "b": 2, "d": 1, "d": 9007199254740995}';
  const { value, exactIntegers } = parse(text);
  t.same(value, JSON.parse(text));
  t.same(Object.keys(value as object), Object.keys(JSON.parse(text) as object), 'same key order');
  t.same([...exactIntegers], [['/d', 9007199254740995n]]);
});

t.test('__proto__ becomes an own property, as with JSON.parse', async (t) => {
  const text = '{"__proto__": {"polluted": true}, "x": 1}';
  const { value } = parse(text);
  const reference = JSON.parse(text) as object;
  t.equal(Object.getPrototypeOf(value), Object.prototype);
  t.ok(Object.prototype.hasOwnProperty.call(value, '__proto__'));
  t.same(Object.keys(value as object), Object.keys(reference));
  t.equal(JSON.stringify(value), JSON.stringify(reference));
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

t.test('syntax errors name the source, line and column, and what was expected', async (t) => {
  const cases: [string, string][] = [
    ['{\n  "a": 1,\n    }', "config.json:3:5: unexpected '}', expected a string (object key)"],
    ['{\n  "a": \n}', "config.json:3:1: unexpected '}', expected a value"],
    ['{"a": [1, 2,]}', "config.json:1:13: unexpected ']', expected a value"],
    ['', 'config.json:1:1: unexpected end of input, expected a value'],
    ['   ', 'config.json:1:4: unexpected end of input, expected a value'],
    ['{]', "config.json:1:2: unexpected ']', expected a string (object key) or '}'"],
    ['{"a" 1}', "config.json:1:6: unexpected '1', expected ':'"],
    ['{"a": 1 "b": 2}', "config.json:1:9: unexpected '\"', expected ',' or '}'"],
    ['[1 2]', "config.json:1:4: unexpected '2', expected ',' or ']'"],
    ['{"a": 1}}', "config.json:1:9: unexpected '}', expected the end of the document"],
    ['{"a": tru}', "config.json:1:10: unexpected '}', expected 'true'"],
    ['nul', "config.json:1:4: unexpected end of input, expected 'null'"],
    ['{"a": 01}', "config.json:1:8: unexpected '1', expected no leading zeros in a number"],
    ['-', 'config.json:1:2: unexpected end of input, expected a digit'],
    ['1.', 'config.json:1:3: unexpected end of input, expected a digit'],
    ['1e+', 'config.json:1:4: unexpected end of input, expected a digit'],
    ['+1', "config.json:1:1: unexpected '+', expected a value"],
    ['{"a": "x\ny"}', 'config.json:1:9: unexpected U+000A, expected a character (control characters must be escaped in strings)'],
    ['"\\x"', "config.json:1:3: unexpected 'x', expected an escape sequence (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"],
    ['"\\u12g4"', "config.json:1:6: unexpected 'g', expected four hex digits after \\u"],
    ['"\\u12"', "config.json:1:6: unexpected '\"', expected four hex digits after \\u"],
    ['{\n"a": "abc', "config.json:2:10: unexpected end of input, expected '\"' to close the string that starts at 2:6"],
    ['\uFEFF{}', 'config.json:1:1: unexpected U+FEFF, expected a value'],
    ["{'a': 1}", "config.json:1:2: unexpected ''', expected a string (object key) or '}'"],
    ['[NaN]', "config.json:1:2: unexpected 'N', expected a value"],
    ['{"a": 1} 😀', "config.json:1:10: unexpected '😀', expected the end of the document"],
  ];
  for (const [text, message] of cases) {
    const error = parseError(text);
    const label = escapeForTap(JSON.stringify(text));
    t.equal(error.message, message, label);
    t.throws(() => JSON.parse(text), `${label} is invalid for JSON.parse too`);
  }
});

t.test('a syntax error carries the pointer of the container it happened in', async (t) => {
  const error = parseError('{"process": {"args": ["sh", }}');
  t.same(error.problems, [{ pointer: '/process/args', message: "1:29: unexpected '}', expected a value" }]);
});

t.test('very deep nesting works (no recursion)', async (t) => {
  const depth = 100000;
  const text = '['.repeat(depth) + '18446744073709551615' + ']'.repeat(depth);
  const { value, exactIntegers } = parse(text);
  JSON.parse(text); // JSON.parse accepts it too
  let node = value;
  let levels = 0;
  while (Array.isArray(node) && node.length === 1) {
    node = node[0];
    levels++;
  }
  t.equal(levels, depth);
  t.equal(node, 18446744073709551615);
  t.equal(exactIntegers.get('/0'.repeat(depth)), 18446744073709551615n);
});

// A corpus of valid documents: hand-written edge cases plus random ones.
const handWritten = [
  '0', '-0', '1', '-1', '0.5', '-0.0', '1e3', '1E-3', '1.5e+300', '1e400', '-1e400', '5e-324', '2e-400',
  '9007199254740993', '123456789012345678901234567890', '0.1', '1.7976931348623157e308',
  '""', '"\\u0000"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\/\\b\\f\\n\\r\\t\\"\\\\"', '"é😀\u2028"', '"\\u00e9\\u00E9"',
  'true', 'false', 'null', '[]', '{}', ' \t\n\r[ \t\n\r1 \t\n\r, \t\n\r2 \t\n\r] \t\n\r',
  '{"":1,"1":2,"0":3,"b":4,"a":5,"10":6}', '{"a":{"a":{"a":[]}}}', '[[[]],[{}],{"x":[null]}]',
  '{"constructor": 1, "toString": 2, "hasOwnProperty": 3}',
];

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2: {
      const magnitude = [1, 1e3, 2 ** 53, 2 ** 64, 1e30][Math.floor(random() * 5)] as number;
      const number = (random() - 0.3) * magnitude;
      return random() < 0.5 ? Math.trunc(number) : number;
    }
    case 3:
      return BigInt(Math.floor(random() * 2 ** 53)) * 1000003n; // printed as an exact literal below
    case 4:
    case 5: {
      let text = '';
      const length = Math.floor(random() * 8);
      for (let i = 0; i < length; i++) text += String.fromCharCode(Math.floor(random() * (random() < 0.8 ? 128 : 0x10000)));
      return text;
    }
    case 6:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      const size = Math.floor(random() * 4);
      for (let i = 0; i < size; i++) object[randomValue(random, 99) as string] = randomValue(random, depth + 1);
      return object;
    }
  }
}

function stringify(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(stringify).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${stringify(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function corpus(): string[] {
  const random = seededRandom(42);
  const generated = Array.from({ length: 300 }, () => stringify(randomValue(random, 0)));
  return [...handWritten, ...generated];
}

function escapeForTap(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Accept/reject and value agree with JSON.parse; for a valid text, every unsafe integer is recorded exactly. */
function agreesWithJsonParse(text: string): string | undefined {
  let expected: unknown;
  let expectedError = false;
  try {
    expected = JSON.parse(text);
  } catch {
    expectedError = true;
  }
  let actual: ReturnType<typeof parse>;
  try {
    actual = parse(text);
  } catch (error) {
    if (!(error instanceof SpecError)) return `threw ${String(error)}`;
    return expectedError ? undefined : `rejected: ${error.message}`;
  }
  if (expectedError) return 'accepted what JSON.parse rejects';
  if (JSON.stringify(actual.value) !== JSON.stringify(expected)) return 'different value';
  if (!Object.is(actual.value, expected) && typeof expected !== 'object') return 'different primitive';
  return undefined;
}

t.test('accepts exactly what JSON.parse accepts, with the same value', async (t) => {
  let compared = 0;
  const random = seededRandom(7);
  const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', '0', '1', '-', '.', 'e', '+', ' ', '\n', 'n', 't', 'u', 'x', '\u0001', '\uFEFF'];
  const disagreements: string[] = [];
  const check = (text: string) => {
    const disagreement = agreesWithJsonParse(text);
    // Escaped: raw U+2028 and lone surrogates would garble the TAP output.
    if (disagreement !== undefined) disagreements.push(`${disagreement}: ${escapeForTap(text.slice(0, 200))}`);
    compared++;
  };
  for (const text of corpus()) {
    check(text);
    // Mutations: most become invalid; every verdict must still match JSON.parse.
    for (let i = 0; i < 20; i++) {
      const at = Math.floor(random() * (text.length + 1));
      const kind = Math.floor(random() * 3);
      const insert = alphabet[Math.floor(random() * alphabet.length)] as string;
      const mutated =
        kind === 0 ? text.slice(0, at) + text.slice(at + 1) : kind === 1 ? text.slice(0, at) + insert + text.slice(at) : text.slice(0, at) + insert + text.slice(at + 1);
      check(mutated);
    }
  }
  t.same(disagreements.slice(0, 20), [], `${disagreements.length} disagreements with JSON.parse`);
  t.ok(compared > 6000, `${compared} texts compared`);
});

t.test('object keys come out in the same order as JSON.parse gives them', async (t) => {
  const different = corpus().filter((text) => JSON.stringify(parse(text).value) !== JSON.stringify(JSON.parse(text)));
  t.same(different.map(escapeForTap), []);
});

t.test('exactUint64 and exactInt64', async (t) => {
  const { value, exactIntegers } = parse('{"hard": 18446744073709551615, "soft": 1024, "big": 9223372036854775807, "neg": -1}');
  const doc = value as Record<string, number>;
  t.equal(exactUint64(doc.hard as number, '/hard', exactIntegers), 18446744073709551615n);
  t.equal(exactUint64(doc.soft as number, '/soft', exactIntegers), 1024n);
  t.equal(exactInt64(doc.big as number, '/big', exactIntegers), 9223372036854775807n);
  t.equal(exactInt64(doc.neg as number, '/neg', exactIntegers), -1n);
  t.throws(() => exactUint64(doc.neg as number, '/neg', exactIntegers), {
    name: 'SpecError',
    message: '/neg: must be an integer from 0 to 18446744073709551615',
  });
  try {
    exactUint64(1.5, '/x', exactIntegers);
    t.fail('1.5 is not a uint64');
  } catch (error) {
    t.same((error as SpecError).problems, [{ pointer: '/x', message: 'must be an integer from 0 to 18446744073709551615' }]);
  }
  t.throws(() => exactInt64(doc.hard as number, '/hard', exactIntegers), { message: '/hard: must be an integer from -9223372036854775808 to 9223372036854775807' });
  // 2^64 itself does not fit, whether it comes from a literal or from a double.
  const over = parse('{"a": 18446744073709551616}');
  t.throws(() => exactUint64((over.value as Record<string, number>).a as number, '/a', over.exactIntegers));
  t.throws(() => exactUint64(2 ** 64, '/a', new Map()));
  // A recorded literal that no longer matches the value at its place is not used.
  t.equal(exactUint64(5, '/hard', exactIntegers), 5n);
});

t.test('parseJson: same values, exact integers and errors as the hand-written parser', async (t) => {
  const outcome = (parser: typeof parseJson, text: string) => {
    try {
      const { value, exactIntegers } = parser(text, 'config.json');
      return { value: JSON.stringify(value), exact: [...exactIntegers].map(String) };
    } catch (error) {
      return { error: (error as SpecError).message, problems: (error as SpecError).problems };
    }
  };
  const texts = [...corpus(), '{"a": 9007199254740993}', '{"a": 1e16}', '{"s": "1234567890123456"}', '{"a": 123456789012345}', '{"a": [1,]}', '{]', ''];
  const different = texts.filter((text) => JSON.stringify(outcome(parseJson, text)) !== JSON.stringify(outcome(handParseJson, text)));
  t.same(different.map(escapeForTap), []);
  t.same([...parseJson('{"max": 9007199254740991, "s": "12345678901234567890"}', 'c').exactIntegers], [], 'safe integers need no record');
  t.throws(() => parseJson('{"a":\n  01}', 'config.json'), { message: "config.json:2:4: unexpected '1', expected no leading zeros in a number" });
});
