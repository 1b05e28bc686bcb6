import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  U64_MAX, parseBlkioV1, parseCpuList, parseFlatKeyed, parseIoStat, parseNumberList, parsePsi, statsJson, u64, u64OrMax,
} from './stats';
import { collectStatsV1, collectStatsV2 } from './stats-collect';

t.test('u64 values stay exact', async (t) => {
  t.equal(u64('42'), 42);
  t.equal(u64('9223372036854771712'), 9223372036854771712n, 'v1 "unlimited" is beyond 2^53');
  t.equal(u64OrMax('max'), U64_MAX);
  t.equal(u64OrMax(undefined), 0);
  t.throws(() => u64('-1'));
  t.equal(statsJson({ limit: U64_MAX, n: 5, list: [1n, 2] }), '{"limit":18446744073709551615,"n":5,"list":[1,2]}');
  t.equal(statsJson({ a: undefined, b: null }), '{"b":null}', 'absent fields are left out, as Go omitempty');
});

t.test('flat keyed files', async (t) => {
  t.same(parseFlatKeyed('cache 9699328\nrss 3317760\nrss_huge 0\n'), { cache: 9699328, rss: 3317760, rss_huge: 0 });
  t.same(parseFlatKeyed('user 52640\nsystem 10593\n'), { user: 52640, system: 10593 });
  t.same(parseFlatKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n').oom_kill, 3);
  t.same(parseFlatKeyed('usage_usec 1000\nbroken\nx 1 2\n'), { usage_usec: 1000 }, 'odd lines are skipped');
  t.same(parseFlatKeyed(undefined), {});
});

t.test('lists', async (t) => {
  t.same(parseNumberList('303255711728 329090160339 \n'), [303255711728, 329090160339]);
  t.same(parseCpuList('0-3,7,9-10\n'), [0, 1, 2, 3, 7, 9, 10]);
  t.same(parseCpuList(''), []);
});

t.test('pressure (PSI)', async (t) => {
  t.same(parsePsi('some avg10=55.31 avg60=57.02 avg300=32.59 total=156631067\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'), {
    some: { avg10: 55.31, avg60: 57.02, avg300: 32.59, total: 156631067 },
    full: { avg10: 0, avg60: 0, avg300: 0, total: 0 },
  });
  t.same(parsePsi('some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n'), { some: { avg10: 1, avg60: 2, avg300: 3, total: 4 } });
  t.equal(parsePsi(undefined), undefined);
});

t.test('v1 blkio files', async (t) => {
  t.same(parseBlkioV1('8:0 Read 4096\n8:0 Write 0\n8:16 Sync 512\nTotal 4608\n'), [
    { major: 8, minor: undefined, op: 'Read', value: 4096 },
    { major: 8, minor: undefined, op: 'Write', value: undefined },
    { major: 8, minor: 16, op: 'Sync', value: 512 },
  ], 'zero fields are left out as runc does (omitempty)');
  t.same(parseBlkioV1('Total 0\n'), []);
  t.same(parseBlkioV1('259:0 1234\n'), [{ major: 259, minor: undefined, op: undefined, value: 1234 }], 'files without an op column');
});

t.test('v2 io.stat', async (t) => {
  t.same(parseIoStat('254:0 rbytes=1048576 wbytes=4096 rios=10 wios=1 dbytes=0 dios=0\n'), {
    ioServiceBytesRecursive: [
      { major: 254, minor: undefined, op: 'Read', value: 1048576 },
      { major: 254, minor: undefined, op: 'Write', value: 4096 },
      { major: 254, minor: undefined, op: 'Discard', value: undefined },
    ],
    ioServicedRecursive: [
      { major: 254, minor: undefined, op: 'Read', value: 10 },
      { major: 254, minor: undefined, op: 'Write', value: 1 },
      { major: 254, minor: undefined, op: 'Discard', value: undefined },
    ],
  });
  t.same(parseIoStat(''), { ioServiceBytesRecursive: undefined, ioServicedRecursive: undefined });
});

function fakeCgroup(t: { teardown(fn: () => void): void }, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-stats-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

t.test('collect v2 from sample files', async (t) => {
  const dir = fakeCgroup(t, {
    'cpu.stat': 'usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 30\n',
    'cpu.pressure': 'some avg10=0.00 avg60=0.00 avg300=0.00 total=12\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=3\n',
    'cpuset.cpus.effective': '0-1\n',
    'cpuset.mems.effective': '0\n',
    'memory.stat': 'anon 4096\nfile 8192\n',
    'memory.current': '12288\n',
    'memory.max': 'max\n',
    'memory.peak': '20000\n',
    'memory.events': 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n',
    'memory.swap.current': '100\n',
    'memory.swap.max': 'max\n',
    'pids.current': '3\n',
    'pids.max': '32\n',
    'io.stat': '8:0 rbytes=10 wbytes=20 rios=1 wios=2\n',
    'hugetlb.2MB.current': '0\n',
    'hugetlb.2MB.events': 'max 2\n',
  });
  const s = collectStatsV2(dir);
  t.same(s.cpu.usage, { total: 2000000, user: 1500000, kernel: 500000 });
  t.same(s.cpu.throttling, { periods: 10, throttledPeriods: 2, throttledTime: 30000 });
  t.equal(s.cpu.psi?.some?.total, 12);
  t.same(s.cpuset.cpus, [0, 1]);
  t.same(s.memory.usage, { limit: U64_MAX, usage: 12288, max: 20000, failcnt: 4 });
  t.same(s.memory.swap, { limit: U64_MAX, usage: 12388, failcnt: 0 }, 'swap as memory+swap, like v1');
  t.equal(s.memory.cache, 8192);
  t.same(s.pids, { current: 3, limit: 32 });
  t.equal(s.blkio.ioServiceBytesRecursive?.length, 2);
  t.same(s.hugetlb, { '2MB': { usage: undefined, failcnt: 2 } });
  const json = JSON.parse(statsJson(s).replace(/18446744073709551615/g, '"max"')) as Record<string, unknown>;
  t.same(Object.keys(json), ['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
});

t.test('collect v1 from sample files', async (t) => {
  const mem = fakeCgroup(t, {
    'memory.stat': 'cache 100\nrss 200\n',
    'memory.usage_in_bytes': '300\n', 'memory.max_usage_in_bytes': '400\n', 'memory.failcnt': '1\n', 'memory.limit_in_bytes': '9223372036854771712\n',
    'memory.memsw.usage_in_bytes': '300\n', 'memory.memsw.max_usage_in_bytes': '400\n', 'memory.memsw.failcnt': '0\n', 'memory.memsw.limit_in_bytes': '9223372036854771712\n',
  });
  const acct = fakeCgroup(t, {
    'cpuacct.usage': '5000\n', 'cpuacct.usage_percpu': '3000 2000 \n', 'cpuacct.stat': 'user 3\nsystem 1\n',
  });
  const cpu = fakeCgroup(t, { 'cpu.stat': 'nr_periods 5\nnr_throttled 1\nthrottled_time 777\n' });
  const pids = fakeCgroup(t, { 'pids.current': '2\n', 'pids.max': 'max\n' });
  const unified = fakeCgroup(t, { 'cpu.pressure': 'some avg10=1.00 avg60=0.00 avg300=0.00 total=9\n' });
  const s = collectStatsV1({ memory: mem, cpuacct: acct, cpu, pids, '': unified });
  t.same(s.memory.usage, { limit: 9223372036854771712n, usage: 300, max: 400, failcnt: 1 });
  t.same(s.memory.kernel, { limit: 0, failcnt: 0 }, 'no kmem files: an empty entry');
  t.same(s.memory.raw, { cache: 100, rss: 200 });
  t.same(s.cpu.usage, { total: 5000, percpu: [3000, 2000], percpu_kernel: undefined, percpu_user: undefined, user: 30000000, kernel: 10000000 },
    'cpuacct.stat ticks are USER_HZ (10 ms)');
  t.same(s.cpu.throttling, { periods: 5, throttledPeriods: 1, throttledTime: 777 });
  t.equal(s.cpu.psi?.some?.total, 9, 'hybrid: pressure from the unified cgroup');
  t.same(s.pids, { current: 2, limit: undefined }, 'pids.max "max" is no limit');
});
