import t from 'tap';
import { filterPsOutput } from './ps';

const PS_EF = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root         120       1  0 10:00 ?        00:00:00 sleep 1000
root         121     120  0 10:00 ?        00:00:00 sh -c echo  spaced   args
root        1200       1  0 10:00 ?        00:00:00 ps -ef
`;

t.test('table: the header and the lines of the container\'s pids', async (t) => {
  t.equal(filterPsOutput(PS_EF, new Set([120, 121])), PS_EF.split('\n').slice(0, 1).concat(PS_EF.split('\n').slice(2, 4)).join('\n') + '\n');
  t.equal(filterPsOutput(PS_EF, new Set()), PS_EF.split('\n')[0] + '\n', 'only the header when none match');
  t.equal(filterPsOutput('  PID COMMAND\n  120 sleep\n 1200 ps\n', new Set([120])), '  PID COMMAND\n  120 sleep\n', 'PID in another column');
});

t.test('table: errors as runc words them', async (t) => {
  t.throws(() => filterPsOutput('USER COMMAND\nroot sleep\n', new Set([1])), { message: "couldn't find PID field in ps output" });
  t.throws(() => filterPsOutput('PID COMMAND\nabc sleep\n', new Set([1])), { message: /^unable to parse pid/ });
});
