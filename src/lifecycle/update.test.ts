import t from 'tap';
import { parseMemorySize, parseResources, resourcesFromFlags, UPDATE_FLAGS } from './update';
import { UPDATE_FLAG_NAMES } from './update-flags';
import { parseFlags } from '../cli/args';
import { SpecError } from '../spec/errors';

t.test('memory sizes as runc takes them (go-units RAMInBytes)', async (t) => {
  const cases: [string, number][] = [
    ['-1', -1], ['0', 0], ['100', 100], ['512k', 512 * 1024], ['512K', 512 * 1024], ['64m', 64 << 20], ['64MiB', 64 << 20],
    ['64mb', 64 << 20], ['1g', 1 << 30], ['1.5g', 1.5 * 2 ** 30], ['2t', 2 * 2 ** 40], ['1 m', 1 << 20], ['10b', 10], ['0.5k', 512],
  ];
  for (const [text, bytes] of cases) t.equal(parseMemorySize(text), bytes, text);
  for (const bad of ['', 'm', '-2', '1x', '1.2.3m', 'one', '1mm', ' 1m', '-1m', '9000p']) {
    t.throws(() => parseMemorySize(bad), JSON.stringify(bad));
  }
});

t.test('per-field flags → LinuxResources, only the flags given', async (t) => {
  t.same(resourcesFromFlags({}), {});
  t.same(resourcesFromFlags({
    'blkio-weight': '300', 'cpu-period': '100000', 'cpu-quota': '-1', 'cpu-burst': '1000', 'cpu-share': '512',
    'cpu-rt-period': '1000000', 'cpu-rt-runtime': '950000', 'cpuset-cpus': '0-1', 'cpuset-mems': '0', 'cpu-idle': '1',
    memory: '1g', 'memory-reservation': '512m', 'memory-swap': '-1', 'pids-limit': '100',
  }), {
    blockIO: { weight: 300 },
    cpu: { period: 100000, quota: -1, burst: 1000, shares: 512, realtimePeriod: 1000000, realtimeRuntime: 950000, cpus: '0-1', mems: '0', idle: 1 },
    memory: { limit: 1 << 30, reservation: 512 << 20, swap: -1 },
    pids: { limit: 100 },
  });
  t.same(resourcesFromFlags({ memory: '', 'pids-limit': '7' }), { pids: { limit: 7 } }, 'an empty value leaves the field alone (runc)');
});

t.test('per-field flags: errors name the flag', async (t) => {
  t.throws(() => resourcesFromFlags({ 'cpu-period': '-5' }), { message: /^invalid value for --cpu-period: / });
  t.throws(() => resourcesFromFlags({ 'cpu-quota': '1.5' }), { message: /^invalid value for --cpu-quota: / });
  t.throws(() => resourcesFromFlags({ 'blkio-weight': '70000' }), { message: /^invalid value for --blkio-weight: value out of range/ });
  t.throws(() => resourcesFromFlags({ 'cpu-share': '18446744073709551616' }), { message: /out of range/ });
  t.throws(() => resourcesFromFlags({ memory: 'lots' }), { message: "invalid value for --memory: invalid size: 'lots'" });
  for (const rdt of ['l3-cache-schema', 'mem-bw-schema'] as const) {
    t.throws(() => resourcesFromFlags({ [rdt]: 'L3:0=f' }), { message: `--${rdt}: Intel RDT is not supported by hako (no resctrl support)` });
  }
});

t.test('the CLI knows exactly the flags the table converts', async (t) => {
  t.same([...UPDATE_FLAG_NAMES].sort(), Object.keys(UPDATE_FLAGS).sort());
});

t.test('a negative value after a flag is its value, not an option (--memory-swap -1)', async (t) => {
  const spec = { strings: ['resources', ...UPDATE_FLAG_NAMES], alias: { r: 'resources' } };
  const p = parseFlags(['--memory-swap', '-1', '--cpu-quota', '-1', '-r', '-', 'id'], spec);
  t.equal(p.flags['memory-swap'], '-1');
  t.equal(p.flags['cpu-quota'], '-1');
  t.equal(p.flags.resources, '-');
  t.same(p.args, ['id']);
  t.same(parseFlags(['--resources=-', 'id'], spec).flags.resources, '-');
});

t.test('--resources: a LinuxResources document, checked against the config schema', async (t) => {
  t.same(parseResources('{"memory":{"limit":1048576},"pids":{"limit":10}}\n', 'stdin'), { memory: { limit: 1048576 }, pids: { limit: 10 } });
  t.same(parseResources('{}', 'stdin'), {});
  const err = (text: string): SpecError => {
    try {
      parseResources(text, 'r.json');
    } catch (e) {
      if (e instanceof SpecError) return e;
      throw e;
    }
    throw new Error('no error');
  };
  const bad = err('{"memory":{"limit":"x"},"cpu":{"shares":-1,"cpus":3}}');
  t.same(bad.problems.map((p) => p.pointer), ['/memory/limit', '/cpu/shares', '/cpu/cpus'], 'pointers within the document');
  t.match(bad.message, /^r\.json: \/memory\/limit: must be /m);
  t.same(err('[]').problems, [{ pointer: '', message: 'must be an object' }]);
  t.match(err('{"memory":').message, /^r\.json:1:11: /);
  t.same(err('{"memory":{"limit":9007199254740993}}').problems.map((p) => p.pointer), ['/memory/limit'], 'beyond 2^53: refused, not rounded');
  t.same(err('{"blockIO":{"throttleReadBpsDevice":[{"major":8,"minor":0}]}}').problems,
    [{ pointer: '/blockIO/throttleReadBpsDevice/0/rate', message: 'is required' }], 'semantic rules too');
});
