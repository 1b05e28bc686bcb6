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

/** `-no-pivot` → `--no-pivot` for long names; single letters stay short options. */
function normalize(tokens: string[], spec: FlagSpec): string[] {
  const long = new Set([...(spec.strings ?? []), ...(spec.booleans ?? []), ...(spec.lists ?? []), 'help']);
  const out: string[] = [];
  for (const [i, t] of tokens.entries()) {
    if (t === '--') return [...out, ...tokens.slice(i)];
    const m = /^-([a-z][a-z0-9-]+)(=.*)?$/.exec(t);
    out.push(m && long.has(m[1]!) ? `-${t}` : t);
  }
  return out;
}

export function parseFlags(tokens: string[], spec: FlagSpec): Parsed {
  let unknown: string | undefined;
  const known = new Set([...(spec.strings ?? []), ...(spec.booleans ?? []), ...(spec.lists ?? []), 'help', 'h']);
  for (const [short, long] of Object.entries(spec.alias ?? {})) known.add(short).add(long);
  const parsed = minimist(normalize(tokens, spec), {
    string: [...(spec.strings ?? []), ...(spec.lists ?? [])],
    boolean: [...(spec.booleans ?? []), 'help'],
    alias: { ...(spec.alias ?? {}), h: 'help' },
    stopEarly: spec.stopEarly ?? false,
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
    if (k === '_') continue;
    const isList = spec.lists?.includes(k);
    // minimist turns a repeated value option into an array; only list options keep all values.
    flags[k] = isList ? (v === undefined ? [] : ([] as string[]).concat(v as string | string[]).map(String))
      : Array.isArray(v) ? v[v.length - 1] : (v as string | boolean);
  }
  return { flags, args: parsed._.map(String) };
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
    if (!m) throw new HakoError(`flag provided but not defined: ${t}`);
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
      throw new HakoError(`flag provided but not defined: ${t}`);
    }
  }
  return { globals: g, command: argv[i], rest: argv.slice(i + 1) };
}
