import t from 'tap';
import * as os from 'node:os';
import { parseSignal, SIGKILL } from './signals';
import { HakoError } from '../util/errors';

t.test('default: SIGTERM', async (t) => {
  t.equal(parseSignal(undefined), 15);
  t.equal(parseSignal(''), 15);
});

t.test('numbers', async (t) => {
  t.equal(parseSignal('9'), 9);
  t.equal(parseSignal('1'), 1);
  t.equal(parseSignal('64'), 64, 'real-time signals by number');
  t.equal(parseSignal('09'), 9);
  t.equal(parseSignal('0'), 0, '0: only checks that the process exists, as kill(2)');
  for (const bad of ['65', '-9', '+9', '9.0', ' 9', '1e1', '0x9', '99999999999999999999']) {
    t.throws(() => parseSignal(bad), { message: `unknown signal "${bad}"` }, JSON.stringify(bad));
  }
});

t.test('names in any case, with or without SIG', async (t) => {
  for (const s of ['KILL', 'kill', 'Kill', 'SIGKILL', 'sigkill', 'SigKill']) t.equal(parseSignal(s), 9, s);
  t.equal(parseSignal('TERM'), 15);
  t.equal(parseSignal('hup'), 1);
  t.equal(parseSignal('SIGUSR1'), os.constants.signals.SIGUSR1);
  t.equal(parseSignal('usr2'), os.constants.signals.SIGUSR2);
  t.equal(parseSignal('WINCH'), os.constants.signals.SIGWINCH);
  t.equal(parseSignal('sigchld'), os.constants.signals.SIGCHLD);
  t.equal(SIGKILL, 9);
});

t.test('unknown names', async (t) => {
  for (const bad of ['FOO', 'SIG', 'SIGSIGKILL', 'KILL9', 'SIG KILL', 'SIG-KILL', 'sig_kill']) {
    const err = (() => {
      try {
        parseSignal(bad);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    t.type(err, HakoError, bad);
    t.equal((err as Error).message, `unknown signal "${bad}"`);
  }
});
