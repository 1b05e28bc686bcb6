// hako's command line: parse argv runc-style and call exactly one lifecycle function.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFlags, parseGlobals, type FlagSpec, type GlobalOptions, type Parsed } from './args';
import { configureLog, log } from './log';
import { HakoError } from '../util/errors';
import { UPDATE_FLAG_NAMES } from '../lifecycle/update-flags';

interface Command {
  usage: string;
  summary: string;
  flags: FlagSpec;
  /** Exact positional count, or [min, max]. */
  args: number | [number, number];
  run(p: Parsed, g: GlobalOptions, root: string): Promise<number | void> | number | void;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown, flag: string): number => {
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new HakoError(`invalid value "${String(v)}" for flag --${flag}`);
  return n;
};

const CREATE_FLAGS: FlagSpec = {
  strings: ['bundle', 'console-socket', 'pidfd-socket', 'pid-file', 'preserve-fds'],
  booleans: ['no-pivot', 'no-new-keyring', 'no-subreaper'],
  alias: { b: 'bundle' },
};

function createOptions(p: Parsed, g: GlobalOptions, root: string) {
  if (p.flags['pidfd-socket']) throw new HakoError('--pidfd-socket is not supported yet');
  return {
    root,
    id: p.args[0]!,
    bundle: str(p.flags.bundle) ?? process.cwd(),
    pidFile: str(p.flags['pid-file']),
    noPivot: p.flags['no-pivot'] === true,
    noNewKeyring: p.flags['no-new-keyring'] === true,
    preserveFds: num(p.flags['preserve-fds'], 'preserve-fds'),
    systemdCgroup: g.systemdCgroup,
    consoleSocket: str(p.flags['console-socket']),
  };
}

// Lifecycle modules are required lazily: each command loads only what it uses (start-up time).
const COMMANDS: Record<string, Command> = {
  create: {
    usage: 'create [--bundle DIR] [--pid-file FILE] [--no-pivot] [--preserve-fds N] [--console-socket PATH] <id>',
    summary: 'create a container from a bundle; it waits for `start` before running its process',
    flags: CREATE_FLAGS,
    args: 1,
    async run(p, g, root) {
      await (await import('../lifecycle/create')).create(createOptions(p, g, root));
    },
  },
  run: {
    usage: 'run [--bundle DIR] [--detach] [--keep] [--pid-file FILE] [--no-pivot] [--preserve-fds N] [--console-socket PATH] <id>',
    summary: 'create and start a container; in the foreground, wait for it and exit with its exit code',
    flags: { ...CREATE_FLAGS, booleans: [...CREATE_FLAGS.booleans!, 'detach', 'keep'], alias: { b: 'bundle', d: 'detach' } },
    args: 1,
    async run(p, g, root) {
      const { run } = await import('../lifecycle/run');
      return run({ ...createOptions(p, g, root), detach: p.flags.detach === true, keep: p.flags.keep === true });
    },
  },
  exec: {
    usage: 'exec [--process FILE | [--cwd DIR] [--env K=V]... [--user UID[:GID]] [--additional-gids GID]... [--cap CAP]... '
      + '[--no-new-privs] [--tty]] [--detach] [--pid-file FILE] [--console-socket PATH] [--preserve-fds N] [--cgroup [CTRL:]PATH]... '
      + '[--ignore-paused] <id> [command [args...]]',
    summary: 'run a new process in a container; in the foreground, exit with its exit code (255: exec failed)',
    flags: {
      strings: ['process', 'cwd', 'user', 'apparmor', 'process-label', 'console-socket', 'pid-file', 'preserve-fds', 'pidfd-socket'],
      lists: ['env', 'additional-gids', 'cap', 'cgroup'],
      booleans: ['tty', 'detach', 'no-new-privs', 'ignore-paused', 'no-subreaper'],
      alias: { p: 'process', t: 'tty', d: 'detach', u: 'user', e: 'env', g: 'additional-gids', c: 'cap' },
      stopEarly: true,
    },
    args: [1, Number.MAX_SAFE_INTEGER],
    async run(p, _g, root) {
      const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
      if (p.flags['pidfd-socket']) throw new HakoError('exec failed: --pidfd-socket is not supported yet', 255);
      const { exec } = await import('../lifecycle/exec');
      return exec({
        root,
        id: p.args[0]!,
        processFile: str(p.flags.process),
        overrides: {
          args: p.args.slice(1),
          cwd: str(p.flags.cwd),
          env: list(p.flags.env),
          user: str(p.flags.user),
          additionalGids: list(p.flags['additional-gids']),
          caps: list(p.flags.cap),
          noNewPrivs: p.flags['no-new-privs'] === true ? true : undefined,
          apparmor: str(p.flags.apparmor),
          processLabel: str(p.flags['process-label']),
          tty: p.flags.tty === true,
        },
        consoleSocket: str(p.flags['console-socket']),
        detach: p.flags.detach === true,
        pidFile: str(p.flags['pid-file']),
        preserveFds: num(p.flags['preserve-fds'], 'preserve-fds'),
        ignorePaused: p.flags['ignore-paused'] === true,
        cgroups: list(p.flags.cgroup),
      });
    },
  },
  start: {
    usage: 'start <id>',
    summary: 'start the process of a created container',
    flags: {},
    args: 1,
    async run(p, _g, root) {
      await (await import('../lifecycle/start')).start(root, p.args[0]);
    },
  },
  state: {
    usage: 'state <id>',
    summary: 'print the state of a container as JSON',
    flags: {},
    args: 1,
    async run(p, _g, root) {
      const { loadContainer, stateJson } = await import('../lifecycle/common');
      process.stdout.write(JSON.stringify(stateJson(root, loadContainer(root, p.args[0])), null, '  '));
    },
  },
  kill: {
    usage: 'kill [--all] <id> [signal]',
    summary: 'send a signal (default SIGTERM) to the container process, or with --all to every process in it',
    flags: { booleans: ['all'], alias: { a: 'all' }, stopEarly: true },
    args: [1, 2],
    async run(p, _g, root) {
      await (await import('../lifecycle/kill')).kill(root, p.args[0], p.args[1], p.flags.all === true);
    },
  },
  delete: {
    usage: 'delete [--force] <id>',
    summary: 'delete a stopped or created container; --force kills a running one first',
    flags: { booleans: ['force'], alias: { f: 'force' } },
    args: 1,
    async run(p, _g, root) {
      await (await import('../lifecycle/delete')).deleteContainer(root, p.args[0], p.flags.force === true);
    },
  },
  list: {
    usage: 'list [--format table|json] [--quiet]',
    summary: 'list containers',
    flags: { strings: ['format'], booleans: ['quiet'], alias: { f: 'format', q: 'quiet' } },
    args: 0,
    async run(p, g, root) {
      const { list } = await import('../lifecycle/list');
      process.stdout.write(list(root, g.root !== undefined, str(p.flags.format) ?? 'table', p.flags.quiet === true));
    },
  },
  update: {
    usage: 'update [--resources FILE|-] [--memory N[kmg]] [--cpu-quota N] [--pids-limit N] [...] <id>',
    summary: 'update the resource limits of a container (runtime-spec LinuxResources JSON, or per-field flags)',
    flags: { strings: ['resources', ...UPDATE_FLAG_NAMES], alias: { r: 'resources' } },
    args: 1,
    async run(p, _g, root) {
      const resources = str(p.flags.resources);
      const flags = Object.fromEntries(UPDATE_FLAG_NAMES.map((f) => [f, str(p.flags[f])]));
      await (await import('../lifecycle/update')).update(root, p.args[0], { resources, flags });
    },
  },
  pause: {
    usage: 'pause <id>',
    summary: 'suspend every process of the container (cgroup freezer)',
    flags: {},
    args: 1,
    async run(p, _g, root) {
      await (await import('../lifecycle/pause')).pause(root, p.args[0]);
    },
  },
  resume: {
    usage: 'resume <id>',
    summary: 'resume every process of a paused container',
    flags: {},
    args: 1,
    async run(p, _g, root) {
      await (await import('../lifecycle/pause')).resume(root, p.args[0]);
    },
  },
  events: {
    usage: 'events [--stats] [--interval DURATION] <id>',
    summary: 'print cgroup statistics (and OOM events) as JSON lines; --stats prints one record and exits',
    flags: { strings: ['interval'], booleans: ['stats'] },
    args: 1,
    async run(p, _g, root) {
      const { events, parseGoDuration } = await import('../lifecycle/events');
      const interval = str(p.flags.interval);
      await events(root, p.args[0], { stats: p.flags.stats === true, intervalMs: parseGoDuration(interval ?? '5s') });
    },
  },
  ps: {
    usage: 'ps [--format table|json] <id> [ps options...]',
    summary: 'list the processes of a container (json: their pids; table: the host\'s ps output for them)',
    flags: { strings: ['format'], alias: { f: 'format' }, stopEarly: true },
    args: [1, Number.MAX_SAFE_INTEGER],
    async run(p, _g, root) {
      const { ps } = await import('../lifecycle/ps');
      process.stdout.write(ps(root, p.args[0], str(p.flags.format) ?? 'table', p.args.slice(1)));
    },
  },
  spec: {
    usage: 'spec [--bundle DIR] [--rootless]',
    summary: 'write an example config.json',
    flags: { strings: ['bundle'], booleans: ['rootless'], alias: { b: 'bundle' } },
    args: 0,
    async run(p) {
      const { writeDefaultSpec } = await import('../lifecycle/default-spec');
      writeDefaultSpec(str(p.flags.bundle) ?? process.cwd(), p.flags.rootless === true);
    },
  },
  features: {
    usage: 'features',
    summary: 'print what this runtime supports as JSON',
    flags: {},
    args: 0,
    async run() {
      const { features } = await import('../lifecycle/features');
      process.stdout.write(JSON.stringify(features(), null, '    ') + '\n');
    },
  },
};

/** --root default: /run/hako, or $XDG_RUNTIME_DIR/hako for an unprivileged user or a non-root user in a user namespace. */
function defaultRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  const euid = process.geteuid?.() ?? 0;
  if (xdg && (euid !== 0 || (inUserNamespace() && process.env.USER !== 'root'))) return path.join(xdg, 'hako');
  return '/run/hako';
}

function inUserNamespace(): boolean {
  try {
    return !/^\s*0\s+0\s+4294967295\s*$/.test(fs.readFileSync('/proc/self/uid_map', 'utf8'));
  } catch {
    return false;
  }
}

function resolveRoot(g: GlobalOptions): string {
  if (g.root === undefined) return defaultRoot();
  const root = path.resolve(g.root);
  if (root === '/') throw new HakoError('option --root argument must not be "/"');
  return root;
}

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `   ${name.padEnd(10)}${c.summary}`);
  return [
    'hako - an OCI container runtime (runc-compatible)',
    '',
    'usage: hako [global options] <command> [command options] [arguments...]',
    '',
    'commands:', ...lines,
    '',
    'global options:',
    '   --root DIR           state directory (default /run/hako)',
    '   --log FILE           write log records to FILE (default stderr)',
    '   --log-format FORMAT  text or json (default text)',
    '   --debug              also write debug records',
    '   --systemd-cgroup     use the systemd cgroup driver (cgroupsPath "slice:prefix:name")',
    '   --rootless VALUE     true, false or auto (accepted)',
    '   --version, -v        print the version',
    '   --help, -h           show help',
    '',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return `usage: hako ${c.usage}\n\n${c.summary}\n`;
}

function checkArgCount(name: string, c: Command, p: Parsed): void {
  const [min, max] = typeof c.args === 'number' ? [c.args, c.args] : c.args;
  if (p.args.length >= min && p.args.length <= max) return;
  process.stdout.write(`Incorrect Usage.\n\n${commandHelp(c)}`);
  const want = min === max ? `exactly ${min}` : p.args.length < min ? `at least ${min}` : `at most ${max}`;
  throw new HakoError(`"${name}" requires ${want} argument(s)`);
}

async function dispatch(argv: string[]): Promise<number> {
  const { globals, command, rest } = parseGlobals(argv);
  configureLog({ file: globals.log ? path.resolve(globals.log) : undefined, format: globals.logFormat, debug: globals.debug });
  if (globals.version) {
    const { versionText } = await import('../lifecycle/version');
    process.stdout.write(versionText());
    return 0;
  }
  if (globals.help || !command || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic && !COMMANDS[topic]) throw new HakoError(`No help topic for '${topic}'`, 3);
    process.stdout.write(topic ? commandHelp(COMMANDS[topic]!) : help());
    return 0;
  }
  const cmd = COMMANDS[command];
  // urfave/cli's answer to an unknown command, exit status 3.
  if (!cmd) throw new HakoError(`No help topic for '${command}'`, 3);
  const parsed = parseFlags(rest, cmd.flags);
  if (parsed.flags.help) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  checkArgCount(command, cmd, parsed);
  const code = await cmd.run(parsed, globals, resolveRoot(globals));
  return typeof code === 'number' ? code : 0;
}

export async function main(argv: string[]): Promise<void> {
  try {
    process.exitCode = await dispatch(argv);
  } catch (err) {
    log.error(err instanceof Error ? err.message : String(err));
    if (!(err instanceof HakoError)) log.debug((err as Error)?.stack ?? '');
    process.exitCode = err instanceof HakoError ? err.exitCode : 1;
  }
}
