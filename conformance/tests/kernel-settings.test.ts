// Process and kernel settings of runtime-spec 1.3, as the probe inside the container sees them:
// linux.personality, process.ioPriority, process.scheduler, linux.memoryPolicy, linux.timeOffsets, and the
// fields this host cannot do (refused with their JSON path), or that no host can (rejected).
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import { Suite } from '../lib/container';
import type { Spec } from '../../src/spec/types';

const suite = new Suite(t, 'kset');

const refused = (t: Test, edit: (s: Spec) => void): string => suite.refused(t, edit);

t.test('linux.personality: LINUX32 shows in personality(2) and uname', async (t) => {
  const r = suite.probe(t, ['--syscall', 'uname'], (s) => {
    s.linux!.personality = { domain: 'LINUX32' };
  });
  t.equal(r.personality, 0x0008, 'PER_LINUX32');
  t.match(r.syscall.uname!.value, { machine: 'i686' }, 'uname reports a 32-bit machine');
  const plain = suite.probe(t, [], (s) => {
    s.linux!.personality = { domain: 'LINUX' };
  });
  t.equal(plain.personality, 0, 'PER_LINUX');
});

t.test('process.ioPriority: class and level', async (t) => {
  for (const [cls, value] of [['IOPRIO_CLASS_IDLE', 3], ['IOPRIO_CLASS_BE', 2], ['IOPRIO_CLASS_RT', 1]] as const) {
    const r = suite.probe(t, [], (s) => {
      s.process!.ioPriority = { class: cls, priority: cls === 'IOPRIO_CLASS_IDLE' ? 0 : 5 };
    });
    t.equal(r.ioprio, (value << 13) | (cls === 'IOPRIO_CLASS_IDLE' ? 0 : 5), cls);
  }
});

let rtSeq = 0;
/** With cgroup v1's real-time group scheduling a cgroup without an RT budget refuses real-time policies (EPERM,
 * as for runc): give the container one, in a cgroup right under the root (which has the host's budget). */
function rtBudget(s: Spec): void {
  if (!fs.existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')) return;
  s.linux!.cgroupsPath = `/hako-test-rt-${process.pid}-${++rtSeq}`;
  s.linux!.resources = { ...s.linux!.resources, cpu: { realtimeRuntime: 10_000, realtimePeriod: 1_000_000 } };
}

t.test('process.scheduler: policies, priority, nice, flags, deadline parameters', async (t) => {
  const fifo = suite.probe(t, [], (s) => {
    rtBudget(s);
    s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
  });
  // sched_getscheduler(2) ORs SCHED_RESET_ON_FORK into the policy.
  t.same([fifo.scheduler.policy, fifo.scheduler.priority], [1 | 0x40000000, 10], 'SCHED_FIFO at priority 10, reset on fork');
  t.equal(fifo.schedAttr!.flags & 1, 1, 'SCHED_FLAG_RESET_ON_FORK');
  const rr = suite.probe(t, [], (s) => {
    rtBudget(s);
    s.process!.scheduler = { policy: 'SCHED_RR', priority: 3 };
  });
  t.same([rr.scheduler.policy, rr.scheduler.priority], [2, 3], 'SCHED_RR');
  const batch = suite.probe(t, [], (s) => {
    s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
  });
  t.same([batch.scheduler.policy, batch.scheduler.nice], [3, 7], 'SCHED_BATCH with nice 7');
  const other = suite.probe(t, [], (s) => {
    s.process!.scheduler = { policy: 'SCHED_OTHER', nice: -5 };
  });
  t.same([other.scheduler.policy, other.scheduler.nice], [0, -5], 'SCHED_OTHER with nice -5');
  const idle = suite.probe(t, [], (s) => {
    s.process!.scheduler = { policy: 'SCHED_IDLE' };
  });
  t.equal(idle.scheduler.policy, 5, 'SCHED_IDLE');
  // A deadline task cannot fork without SCHED_FLAG_RESET_ON_FORK (the probe does not fork for a plain report).
  const dl = suite.probe(t, [], (s) => {
    s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1_000_000, deadline: 5_000_000, period: 10_000_000, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
  });
  t.match(dl.schedAttr, { policy: 6, runtime: 1_000_000, deadline: 5_000_000, period: 10_000_000 }, 'SCHED_DEADLINE with its parameters');
  const bad = refused(t, (s) => {
    s.process!.scheduler = { policy: 'SCHED_OTHER', priority: 5 };
  });
  t.match(bad, '/process/scheduler/priority: is only allowed with policy SCHED_FIFO or SCHED_RR');
  const clamp = refused(t, (s) => {
    s.process!.scheduler = { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_UTIL_CLAMP_MAX'] };
  });
  t.match(clamp, '/process/scheduler/flags/0: SCHED_FLAG_UTIL_CLAMP_MAX needs utilization clamp values');
});

t.test('linux.memoryPolicy: mode, nodes and flags', async (t) => {
  const bind = suite.probe(t, [], (s) => {
    s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] };
  });
  t.same(bind.mempolicy, { mode: 2, flags: 1 << 15, nodes: '0' }, 'MPOL_BIND on node 0, static nodes');
  const inter = suite.probe(t, [], (s) => {
    s.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0' };
  });
  t.same(inter.mempolicy, { mode: 3, flags: 0, nodes: '0' }, 'MPOL_INTERLEAVE');
  const local = suite.probe(t, [], (s) => {
    s.linux!.memoryPolicy = { mode: 'MPOL_LOCAL' };
  });
  t.equal(local.mempolicy!.mode, 4, 'MPOL_LOCAL');
  const none = suite.probe(t);
  t.same(none.mempolicy, { mode: 0, flags: 0, nodes: '' }, 'without it: the default policy');
  t.match(refused(t, (s) => {
    s.linux!.memoryPolicy = { mode: 'MPOL_BIND' };
  }), '/linux/memoryPolicy/nodes: is required for MPOL_BIND');
  t.match(refused(t, (s) => {
    s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-x' };
  }), '/linux/memoryPolicy/nodes: invalid list');
  t.match(refused(t, (s) => {
    s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] };
  }), '/linux/memoryPolicy/flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other');
  const online = fs.readFileSync('/sys/devices/system/node/online', 'utf8').trim();
  const missing = refused(t, (s) => {
    s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '63' };
  });
  t.match(missing, '/linux/memoryPolicy: set_mempolicy: invalid argument', `a node this host does not have (online: ${online})`);
});

t.test('linux.timeOffsets: the clocks of a new time namespace', async (t) => {
  const host = suite.probe(t);
  const r = suite.probe(t, [], (s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { monotonic: { secs: 86_400 * 365, nanosecs: 0 }, boottime: { secs: 1_000_000 } };
  });
  t.not(r.namespaces.time, host.namespaces.time, 'a new time namespace');
  const dm = r.clocks!.monotonic - host.clocks!.monotonic;
  const db = r.clocks!.boottime - host.clocks!.boottime;
  t.ok(dm >= 86_400 * 365 && dm < 86_400 * 365 + 30, `monotonic is a year ahead (${dm} s)`);
  t.ok(db >= 1_000_000 && db < 1_000_030, `boottime is 1e6 s ahead (${db} s)`);
  t.match(refused(t, (s) => {
    s.linux!.timeOffsets = { monotonic: { secs: 5 } };
  }), '/linux/timeOffsets: needs a new time namespace');
});

t.test('process.execCPUAffinity applies to exec, not to the container process (config.md)', async (t) => {
  const host = suite.probe(t);
  const r = suite.probe(t, [], (s) => {
    s.process!.execCPUAffinity = { initial: '0', final: '0' };
  });
  t.equal(r.cpuAffinity, host.cpuAffinity, 'the init process keeps the runtime\'s affinity');
  t.match(refused(t, (s) => {
    s.process!.execCPUAffinity = { initial: '1-0' };
  }), '/process/execCPUAffinity/initial: invalid range 1-0');
});

t.test('fields this host cannot do are refused with their path', async (t) => {
  const lsm = fs.existsSync('/sys/module/apparmor/parameters/enabled');
  if (!lsm) {
    t.match(refused(t, (s) => {
      s.process!.apparmorProfile = 'hako-test';
    }), '/process/apparmorProfile: AppArmor is not enabled on this host');
  }
  if (!fs.existsSync('/sys/fs/selinux/enforce')) {
    t.match(refused(t, (s) => {
      s.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
    }), '/process/selinuxLabel: SELinux is not enabled on this host');
    t.match(refused(t, (s) => {
      s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
    }), '/linux/mountLabel: SELinux is not enabled on this host');
  }
  if (!/ - resctrl /.test(fs.readFileSync('/proc/self/mountinfo', 'utf8'))) {
    t.match(refused(t, (s) => {
      s.linux!.intelRdt = { closID: 'hako' };
    }), '/linux/intelRdt: Intel RDT needs a mounted resctrl filesystem, and this host has none');
  }
  t.match(refused(t, (s) => {
    s.linux!.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] };
  }), '/linux/personality/flags/0: unknown personality flag ADDR_NO_RANDOMIZE');
});

t.test('rejected at create with the JSON path: unknown rlimit, unknown capability, non-namespaced sysctl', async (t) => {
  const sysctl = (name: string) => fs.readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8');
  const before = [sysctl('kernel.panic'), sysctl('net.ipv4.ip_forward')];
  const err = refused(t, (s) => {
    s.process!.rlimits!.push({ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 });
    s.process!.capabilities!.effective!.push('CAP_TEST');
    s.linux!.sysctl = { 'kernel.panic': '1', 'net.ipv4.ip_forward': '1' };
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
  });
  t.match(err, /\/process\/rlimits\/\d+\/type: unknown rlimit RLIMIT_BOGUS/);
  t.match(err, /\/process\/capabilities\/effective\/\d+: unknown capability CAP_TEST/);
  t.match(err, '/linux/sysctl/kernel.panic: sysctl kernel.panic is not in a separate kernel namespace');
  t.match(err, '/linux/sysctl/net.ipv4.ip_forward: sysctl net.ipv4.ip_forward needs a network namespace');
  t.same([sysctl('kernel.panic'), sysctl('net.ipv4.ip_forward')], before, 'the host\'s sysctls are untouched');
});

t.test('a net sysctl in a joined network namespace that is the runtime\'s own is refused (runc)', async (t) => {
  // The host's current value, so that the host is unchanged even while hako applies it.
  const value = fs.readFileSync('/proc/sys/net/ipv4/tcp_fin_timeout', 'utf8').trim();
  const b = suite.bundle(['/bin/true'], (s) => {
    s.linux!.namespaces!.find((n) => n.type === 'network')!.path = `/proc/${process.pid}/ns/net`;
    s.linux!.sysctl = { 'net.ipv4.tcp_fin_timeout': value };
  });
  const id = suite.hako.id('hostnet');
  const r = suite.hako.run(['create', '--bundle', b.dir, id]);
  t.equal(r.code, 1, 'create fails');
  t.match(r.stderr, "/linux/sysctl/net.ipv4.tcp_fin_timeout: the network namespace joined by path is the runtime's own", 'naming the sysctl');
  t.equal(suite.hako.state(id), null, 'nothing created');
});
