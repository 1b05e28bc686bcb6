import t from 'tap';
import { parseGoDuration } from './events';

t.test('Go duration syntax', async (t) => {
  const cases: [string, number][] = [
    ['5s', 5000], ['100ms', 100], ['1m30s', 90_000], ['1.5h', 5_400_000], ['0', 0], ['-2s', -2000], ['+3s', 3000],
    ['250us', 0.25], ['250µs', 0.25], ['1000000ns', 1], ['.5s', 500], ['1.s', 1000], ['2h45m', 9_900_000],
  ];
  for (const [text, ms] of cases) t.equal(parseGoDuration(text), ms, text);
  for (const bad of ['', '5', 's', '.s', '5x', '1..5s', '-', '5 s', '1e3s']) {
    t.throws(() => parseGoDuration(bad), { message: /^invalid value ".*" for flag --interval: parse error: time: / }, JSON.stringify(bad));
  }
});
