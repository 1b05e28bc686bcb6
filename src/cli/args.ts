// runc-style argument parsing: global options before the command, GNU long options in every spelling callers
// use (--opt value, --opt=value, -opt value, repeated booleans), and for kill/exec/ps no flags after the id.
import minimist from 'minimist';
import { HakoError } from '../util/errors';

export interface FlagSpec {
  /** Options that take a value. */
  strings?: string[];
  booleans?: string[];
  /** Repeatable value options (collected into arrays). */
  lists?: string[];
  alias?: Record<string, string>;
  /** Stop at the first positional argument: what follows is data (kill's signal, exec's command). */
  stopEarly?: boolean;
}

export interface Parsed {
  flags: Record<string, string | boolean | string[] | undefined>;
  args: string[];
}

/**
 * `-no-pivot` → `--no-pivot` for long names; single letters stay short options. Only options are rewritten:
 * a stopEarly command's tokens from its first positional argument on are data and pass through untouched.
 */
function normalize(tokens: string[], spec: FlagSpec): string[] {
  const long = new Set([...(spec.strings ?? []), ...(spec.booleans ?? []), ...(spec.lists ?? []), 'help']);
  const valued = new Set([...(spec.strings ?? []), ...(spec.lists ?? [])]);
  for (const [short, name] of Object.entries(spec.alias ?? {})) if (valued.has(name)) valued.add(short);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--') return [...out, ...tokens.slice(i)];
    if (!t.startsWith('-') || t === '-') {
      if (spec.stopEarly) return [...out, ...tokens.slice(i)];
      out.push(t);
      continue;
    }
    const m = /^--?([a-z][a-z0-9-]+)(=.*)?$/.exec(t);
    if (!m || !long.has(m[1]!)) out.push(t);
    // minimist reads --no-X as "X is false": a boolean whose own name starts with no- is spelled out.
    else if (!m[2] && m[1]!.startsWith('no-') && spec.booleans?.includes(m[1]!)) out.push(`--${m[1]}=true`);
    else out.push(t.startsWith('--') ? t : `-${t}`);
    // The value of `--opt value` (or `-o value`, `-xo value`) is not an option or a positional argument.
    const name = m ? m[1]! : /^-[A-Za-z]+$/.test(t) ? t.slice(-1) : undefined;
    if (name !== undefined && !m?.[2] && valued.has(name) && i + 1 < tokens.length) {
      const value = tokens[++i]!;
      // minimist would read a value that starts with '-' (`--memory-swap -1`) as an option: attach it with '='.
      if (value.startsWith('-')) out.push(`${out.pop()!}=${value}`);
      else out.push(value);
    }
  }
  return out;
}

export function parseFlags(tokens: string[], spec: FlagSpec): Parsed {
  let unknown: string | undefined;
  const known = new Set([...(spec.strings ?? []), ...(spec.booleans ?? []), ...(spec.lists ?? []), 'help', 'h']);
  for (const [short, long] of Object.entries(spec.alias ?? {})) known.add(short).add(long);
  const normalized = normalize(tokens, spec);
  const parsed = minimist(normalized, {
    // '_': positional arguments stay strings (minimist would turn an id like "1e3" into 1000).
    string: ['_', ...(spec.strings ?? []), ...(spec.lists ?? [])],
    boolean: [...(spec.booleans ?? []), 'help'],
    alias: { ...(spec.alias ?? {}), h: 'help' },
    stopEarly: spec.stopEarly ?? false,
    '--': true,
    unknown: (arg) => {
      if (arg.startsWith('-') && arg !== '-' && !unknown) {
        const name = arg.replace(/^-+/, '').replace(/=.*/, '');
        if (!known.has(name)) unknown = arg;
      }
      return !arg.startsWith('-') || arg === '-';
    },
  });
  if (unknown) throw new HakoError(`flag provided but not defined: ${unknown.replace(/=.*/, '')}`);
  const flags: Parsed['flags'] = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (k === '_' || k === '--') continue;
    const isList = spec.lists?.includes(k);
    // minimist turns a repeated value option into an array; only list options keep all values.
    flags[k] = isList ? (v === undefined ? [] : ([] as string[]).concat(v as string | string[]).map(String))
      : Array.isArray(v) ? v[v.length - 1] : (v as string | boolean);
  }
  const positional = parsed._.map(String);
  const rest = (parsed['--'] ?? []).map(String);
  // `--` ends the options; after the first positional argument of a stopEarly command it is data
  // (`exec id echo -- x` runs `echo -- x`), as Go's flag parsing leaves it.
  const dataDashes = spec.stopEarly && positional.length > 0 && normalized.includes('--');
  return { flags, args: dataDashes ? [...positional, '--', ...rest] : [...positional, ...rest] };
}

export interface GlobalOptions {
  root?: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  rootless?: string;
  help: boolean;
  version: boolean;
}

const GLOBAL_VALUES = new Set(['root', 'log', 'log-format', 'criu']);
const GLOBAL_BOOLEANS = new Set(['debug', 'systemd-cgroup', 'help', 'h', 'version', 'v']);

/** Split argv into global options, the command name and the command's own tokens. */
export function parseGlobals(argv: string[]): { globals: GlobalOptions; command?: string; rest: string[] } {
  const g: GlobalOptions = { logFormat: 'text', debug: false, systemdCgroup: false, help: false, version: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const t = argv[i]!;
    if (!t.startsWith('-') || t === '-') break;
    const m = /^--?([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(t);
    if (!m) throw new HakoError(`flag provided but not defined: ${t.replace(/=.*/, '')}`);
    const [, name, inline] = m as unknown as [string, string, string | undefined];
    if (GLOBAL_VALUES.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new HakoError(`flag needs an argument: --${name}`);
      if (name === 'root') g.root = value;
      else if (name === 'log') g.log = value;
      else if (name === 'log-format') {
        if (value !== 'text' && value !== 'json') throw new HakoError(`invalid log-format: ${value}`);
        g.logFormat = value;
      }
      // --criu: removed from runc; accepted and unused, as the contract allows.
    } else if (name === 'rootless') {
      // --rootless takes true|false|auto, inline or as the next word.
      const next = argv[i + 1];
      g.rootless = inline ?? (next && /^(true|false|auto)$/.test(next) ? argv[++i] : 'true');
    } else if (GLOBAL_BOOLEANS.has(name)) {
      const on = inline === undefined || inline === 'true';
      if (name === 'debug') g.debug = on;
      else if (name === 'systemd-cgroup') g.systemdCgroup = on;
      else if (name === 'help' || name === 'h') g.help = on;
      else g.version = on;
    } else {
      throw new HakoError(`flag provided but not defined: ${t.replace(/=.*/, '')}`);
    }
  }
  return { globals: g, command: argv[i], rest: argv.slice(i + 1) };
}
