import t from 'tap';
import { listenFds } from './stdio';

t.test('listenFds: only when LISTEN_PID is this process', async (t) => {
  t.same(listenFds({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42), { count: 2, env: ['LISTEN_FDS=2', 'LISTEN_PID=1'] });
  t.same(listenFds({ LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'web' }, 42),
    { count: 1, env: ['LISTEN_FDS=1', 'LISTEN_PID=1', 'LISTEN_FDNAMES=web'] });
  t.same(listenFds({ LISTEN_PID: '41', LISTEN_FDS: '2' }, 42), { count: 0, env: [] }, 'another process\'s fds');
  t.same(listenFds({ LISTEN_FDS: '2' }, 42), { count: 0, env: [] }, 'no LISTEN_PID');
  for (const bad of ['0', '-1', 'x', '', '1.5']) t.same(listenFds({ LISTEN_PID: '42', LISTEN_FDS: bad }, 42).count, 0, `LISTEN_FDS=${bad}`);
});
