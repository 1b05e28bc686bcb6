import t from 'tap';
import { parseFlags, parseGlobals, type FlagSpec } from './args';
import { HakoError } from '../util/errors';

t.test('parseGlobals: --root in every spelling', async (t) => {
  for (const argv of [['--root', '/r', 'state', 'x'], ['--root=/r', 'state', 'x'], ['-root', '/r', 'state', 'x'], ['-root=/r', 'state', 'x']]) {
    const p = parseGlobals(argv);
    t.equal(p.globals.root, '/r', argv.join(' '));
    t.equal(p.command, 'state');
    t.same(p.rest, ['x']);
  }
  t.equal(parseGlobals(['--root=', 'list']).globals.root, '', 'an empty inline value is a value');
  t.equal(parseGlobals(['--root', '/a', '--root', '/b', 'list']).globals.root, '/b', 'the last one wins');
  t.throws(() => parseGlobals(['--root']), { message: 'flag needs an argument: --root' });
  t.throws(() => parseGlobals(['--log']), { message: 'flag needs an argument: --log' });
});

t.test('parseGlobals: defaults and every option', async (t) => {
  t.same(parseGlobals([]), {
    globals: { logFormat: 'text', debug: false, systemdCgroup: false, help: false, version: false },
    command: undefined, rest: [],
  });
  const p = parseGlobals(['--log', '/l.json', '--log-format', 'json', '--debug', '--systemd-cgroup', '--criu', '/usr/sbin/criu',
    'create', '--bundle', '/b', 'id']);
  t.same(p.globals, { log: '/l.json', logFormat: 'json', debug: true, systemdCgroup: true, help: false, version: false });
  t.equal(p.command, 'create');
  t.same(p.rest, ['--bundle', '/b', 'id'], 'the command\'s own tokens are untouched');
  t.equal(parseGlobals(['--log-format=json', 'list']).globals.logFormat, 'json');
  t.equal(parseGlobals(['--log-format', 'text', 'list']).globals.logFormat, 'text');
  t.equal(parseGlobals(['--criu=/x', 'list']).command, 'list', '--criu takes its value inline too');
  t.equal(parseGlobals(['--debug=false', 'list']).globals.debug, false);
  t.equal(parseGlobals(['--debug=true', 'list']).globals.debug, true);
  t.equal(parseGlobals(['-debug', 'list']).globals.debug, true, 'single-dash long');
  t.equal(parseGlobals(['--debug', '--debug', 'list']).globals.debug, true, 'repeated boolean');
  for (const f of ['--version', '-v', '-version']) t.equal(parseGlobals([f]).globals.version, true, f);
  for (const f of ['--help', '-h', '-help']) t.equal(parseGlobals([f]).globals.help, true, f);
});

t.test('parseGlobals: --log-format must be text or json', async (t) => {
  for (const v of ['yaml', 'JSON', '']) {
    t.throws(() => parseGlobals(['--log-format', v, 'list']), { message: `invalid log-format: ${v}` }, JSON.stringify(v));
  }
  const err = (() => {
    try {
      parseGlobals(['--log-format=xml']);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  t.type(err, HakoError);
  t.equal((err as HakoError).exitCode, 1);
});

t.test('parseGlobals: --rootless', async (t) => {
  const r = (argv: string[]) => {
    const p = parseGlobals(argv);
    return [p.globals.rootless, p.command, p.rest];
  };
  t.same(r(['--rootless', 'state', 'x']), ['true', 'state', ['x']], 'bare: true; the next word is the command');
  t.same(r(['--rootless=true', 'state', 'x']), ['true', 'state', ['x']]);
  t.same(r(['--rootless=false', 'state']), ['false', 'state', []]);
  t.same(r(['--rootless', 'false', 'state']), ['false', 'state', []], 'value as the next word');
  t.same(r(['--rootless', 'auto', 'list']), ['auto', 'list', []]);
  t.same(r(['--rootless', 'true', 'list']), ['true', 'list', []]);
  t.same(r(['list']), [undefined, 'list', []]);
  t.same(r(['--rootless']), ['true', undefined, []]);
});

t.test('parseGlobals: unknown flags', async (t) => {
  t.throws(() => parseGlobals(['--bogus', 'list']), { message: 'flag provided but not defined: --bogus' });
  t.throws(() => parseGlobals(['-x', 'list']), { message: 'flag provided but not defined: -x' });
  t.throws(() => parseGlobals(['--bogus=1', 'list']), { message: 'flag provided but not defined: --bogus' }, 'the value is not part of the name');
  t.throws(() => parseGlobals(['--Root', '/x', 'list']), { message: 'flag provided but not defined: --Root' });
  t.throws(() => parseGlobals(['--bundle', '/b', 'create', 'x']), /flag provided but not defined: --bundle/, 'command flags are not global');
});

t.test('parseGlobals: the command ends the global options', async (t) => {
  const p = parseGlobals(['--debug', 'kill', '--all', 'id', '-9']);
  t.equal(p.command, 'kill');
  t.same(p.rest, ['--all', 'id', '-9']);
  const dash = parseGlobals(['-', 'x']);
  t.equal(dash.command, '-', 'a lone dash is not an option');
  const noCommand = parseGlobals(['--debug']);
  t.equal(noCommand.command, undefined);
  t.same(noCommand.rest, []);
});

const CREATE: FlagSpec = {
  strings: ['bundle', 'console-socket', 'pid-file', 'preserve-fds'],
  booleans: ['no-pivot', 'no-new-keyring', 'detach'],
  alias: { b: 'bundle', d: 'detach' },
};

t.test('parseFlags: value options', async (t) => {
  for (const argv of [['--bundle', '/b', 'id'], ['--bundle=/b', 'id'], ['-b', '/b', 'id'], ['-b=/b', 'id'], ['-bundle', '/b', 'id'], ['-bundle=/b', 'id']]) {
    const p = parseFlags(argv, CREATE);
    t.equal(p.flags.bundle, '/b', argv.join(' '));
    t.same(p.args, ['id']);
  }
  t.equal(parseFlags(['--preserve-fds=2', 'id'], CREATE).flags['preserve-fds'], '2');
  t.equal(parseFlags(['--preserve-fds', '2', 'id'], CREATE).flags['preserve-fds'], '2', 'a number stays a string');
  t.equal(parseFlags(['--pid-file', '007', 'id'], CREATE).flags['pid-file'], '007');
  t.equal(parseFlags(['--bundle', '/a', '--bundle', '/b', 'id'], CREATE).flags.bundle, '/b', 'repeated: the last one wins');
  t.equal(parseFlags(['--bundle=a=b', 'id'], CREATE).flags.bundle, 'a=b');
  t.equal(parseFlags(['id'], CREATE).flags.bundle, undefined, 'absent');
  t.same(parseFlags(['id', '--bundle', '/b'], CREATE), parseFlags(['--bundle', '/b', 'id'], CREATE), 'options may follow the id');
});

t.test('parseFlags: booleans, including no-* names and single-dash long spellings', async (t) => {
  const yes = (argv: string[], name: string) => t.equal(parseFlags(argv, CREATE).flags[name], true, argv.join(' '));
  yes(['--no-pivot', 'id'], 'no-pivot');
  yes(['-no-pivot', 'id'], 'no-pivot');
  yes(['--no-pivot=true', 'id'], 'no-pivot');
  yes(['--no-pivot', '--no-pivot', 'id'], 'no-pivot');
  yes(['--no-new-keyring', 'id'], 'no-new-keyring');
  yes(['-d', 'id'], 'detach');
  yes(['-d', '-d', 'id'], 'detach');
  yes(['--detach', '--detach', 'id'], 'detach');
  yes(['-detach', 'id'], 'detach');
  t.equal(parseFlags(['id'], CREATE).flags['no-pivot'], false, 'absent: false');
  t.equal(parseFlags(['--no-pivot=false', 'id'], CREATE).flags['no-pivot'], false);
  t.equal(parseFlags(['--detach=false', 'id'], CREATE).flags.detach, false);
  t.equal(parseFlags(['id'], CREATE).flags.pivot, undefined, 'no stray negated key');
  const group = parseFlags(['-db', '/x', 'id'], CREATE);
  t.same([group.flags.detach, group.flags.bundle, group.args], [true, '/x', ['id']], 'short options grouped');
});

t.test('parseFlags: --help and -h', async (t) => {
  t.equal(parseFlags(['--help'], CREATE).flags.help, true);
  t.equal(parseFlags(['-h'], CREATE).flags.help, true);
  t.equal(parseFlags(['-help'], CREATE).flags.help, true);
  t.equal(parseFlags(['id'], CREATE).flags.help, false);
});

t.test('parseFlags: list options collect every value', async (t) => {
  const EXEC: FlagSpec = { strings: ['cwd'], booleans: ['detach'], lists: ['env', 'cap'], alias: { e: 'env', c: 'cap' }, stopEarly: true };
  const p = parseFlags(['--env', 'A=1', '-e', 'B=2', '--env=C=3', '--cap', 'CAP_KILL', 'id', 'sh'], EXEC);
  t.same(p.flags.env, ['A=1', 'B=2', 'C=3']);
  t.same(p.flags.cap, ['CAP_KILL']);
  t.same(p.args, ['id', 'sh']);
  t.same(parseFlags(['-e', '1', 'id'], EXEC).flags.env, ['1'], 'a single value is a list of one string');
  t.same(parseFlags(['id'], EXEC).flags.env, undefined, 'absent');
});

t.test('parseFlags: stopEarly (kill, exec, ps): everything after the id is data', async (t) => {
  const KILL: FlagSpec = { booleans: ['all'], alias: { a: 'all' }, stopEarly: true };
  t.same(parseFlags(['id', 'KILL'], KILL).args, ['id', 'KILL']);
  t.same(parseFlags(['id', '-9'], KILL).args, ['id', '-9'], 'a dash signal is not a flag');
  t.same(parseFlags(['id', '9'], KILL).args, ['id', '9']);
  const all = parseFlags(['--all', 'id', 'SIGKILL'], KILL);
  t.same([all.flags.all, all.args], [true, ['id', 'SIGKILL']]);
  t.same([parseFlags(['-a', 'id'], KILL).flags.all, parseFlags(['-all', 'id'], KILL).flags.all], [true, true]);
  t.equal(parseFlags(['id', '--all'], KILL).flags.all, false, 'no flags after the id');

  const EXEC: FlagSpec = { strings: ['cwd', 'user'], booleans: ['detach', 'no-new-privs'], lists: ['env'], alias: { e: 'env', u: 'user', d: 'detach' }, stopEarly: true };
  t.same(parseFlags(['id', 'sh', '-c', 'x'], EXEC).args, ['id', 'sh', '-c', 'x']);
  const e = parseFlags(['--cwd', '/w', '-u', '1000', 'id', 'cmd', '--cwd', '/x', '-detach', '-no-new-privs', '-e', 'X'], EXEC);
  t.same(e.args, ['id', 'cmd', '--cwd', '/x', '-detach', '-no-new-privs', '-e', 'X'], 'the command\'s own options are left as they are');
  t.same([e.flags.cwd, e.flags.user, e.flags.detach, e.flags['no-new-privs'], e.flags.env], ['/w', '1000', false, false, undefined]);
  t.same(parseFlags(['id', 'echo', '--', 'hi'], EXEC).args, ['id', 'echo', '--', 'hi'], '-- after the id is part of the command');
  t.same(parseFlags(['id', '--', 'echo'], EXEC).args, ['id', '--', 'echo']);
  t.same(parseFlags(['-d', '--', 'id', 'echo', '--', 'x'], EXEC).args, ['id', 'echo', '--', 'x'], 'a -- before the id ends the options');
  t.same(parseFlags(['id', 'printf', '%d', '1e3', '0x10', '007'], EXEC).args, ['id', 'printf', '%d', '1e3', '0x10', '007'], 'numbers stay text');
  t.same(parseFlags(['--cwd', 'id', 'sh'], EXEC).args, ['sh'], 'a value option takes the next word');
});

t.test('parseFlags: positional arguments are never converted', async (t) => {
  t.same(parseFlags(['1e3'], CREATE).args, ['1e3']);
  t.same(parseFlags(['0123'], CREATE).args, ['0123']);
  t.same(parseFlags(['0x1f', '-'], CREATE).args, ['0x1f', '-']);
  t.same(parseFlags(['--', '--bundle'], CREATE), { flags: parseFlags([], CREATE).flags, args: ['--bundle'] }, '-- ends the options');
});

t.test('parseFlags: unknown flags', async (t) => {
  t.throws(() => parseFlags(['--bogus', 'id'], CREATE), { message: 'flag provided but not defined: --bogus' });
  t.throws(() => parseFlags(['--bogus=1', 'id'], CREATE), { message: 'flag provided but not defined: --bogus' });
  t.throws(() => parseFlags(['-x', 'id'], CREATE), { message: 'flag provided but not defined: -x' });
  t.throws(() => parseFlags(['id', '--nope'], CREATE), { message: 'flag provided but not defined: --nope' });
  t.throws(() => parseFlags(['--pivot', 'id'], CREATE), { message: 'flag provided but not defined: --pivot' });
  t.throws(() => parseFlags(['--all', 'id'], { stopEarly: true }), { message: 'flag provided but not defined: --all' });
  t.doesNotThrow(() => parseFlags(['id', '--nope'], { stopEarly: true }), 'after the id of a stopEarly command: data');
  t.same(parseFlags([], {}), { flags: { help: false, h: false }, args: [] });
});
