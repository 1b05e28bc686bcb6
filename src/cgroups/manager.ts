// The cgroup manager: creates a container's cgroups, applies linux.resources, moves processes in,
// freezes, reports stats and removes what it created. One implementation serves cgroup v1, hybrid and
// v2: each controller is used where the host has it (see plan.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LinuxResources } from '../spec/types';
import type { CgroupHost } from './host';
import type { CgroupPaths, CgroupState } from './state';
import type { CgroupFacts } from './controllers/types';
import type { Stats } from './stats';
import { CgroupError, resourcePointer } from './errors';
import {
  errorCode, listCgroupFiles, readCgroupFile, readProcs, removeCgroupDir, sleepMs, subCgroups, writeCgroupFile,
} from './cgroupfs';
import { type FreezerState, freezeV1, freezeV2, freezerStateV1, freezerStateV2, thawV1, thawV2 } from './freezer';

// Loaded only by the commands that need them (create, update, events): `state`, `kill`, `delete` and
// `pause` stay cheap.
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  plan: () => require('./plan') as typeof import('./plan'),
  writer: () => require('./writer') as typeof import('./writer'),
  statsCollect: () => require('./stats-collect') as typeof import('./stats-collect'),
  stats: () => require('./stats') as typeof import('./stats'),
  devicefilter: () => require('./devicefilter') as typeof import('./devicefilter'),
  bpf: () => require('../host/bpf') as typeof import('../host/bpf'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

export type { FreezerState } from './freezer';

export interface ApplyOptions {
  /** `update` of an existing container: device rules are kept, memory.checkBeforeUpdate is honoured. */
  update?: boolean;
}

export interface CgroupManager {
  readonly state: CgroupState;
  /** mkdir -p in every hierarchy, recording what it created; refuses a cgroup with processes or frozen. */
  create(): void;
  /** Writes the resources (complete, not a diff). Errors name the JSON path of the field. */
  apply(resources: LinuxResources | undefined, opts?: ApplyOptions): void;
  /** Moves a process into the container's cgroup in every hierarchy. */
  addProcess(pid: number): void;
  freeze(): void;
  thaw(): void;
  freezerState(): FreezerState;
  /** Every pid in the container's cgroups, sub-cgroups included, sorted. */
  pids(): number[];
  /** Signals every process in the cgroup (SIGKILL through cgroup.kill where the kernel has it). */
  signalAll(signal: NodeJS.Signals | number): void;
  /** runc's `events --stats` data. */
  stats(): Stats;
  /** OOM kills so far (for OOM events: report when it grows). */
  oomCount(): number;
  /** Removes the directories listed in state.created (sub-cgroups of the container's own first). */
  destroy(): void;
  /** Whether the container's cgroup still exists (`events` ends when it is gone). */
  exists(): boolean;
}

/** Picks up a recorded state (or fresh paths from resolveCgroupPaths) without doing any I/O. */
/** `host` may be a function: the host's layout is then read only by the operations that need it (create),
 * not by `state`, `kill` or `delete`, which only use the paths recorded in the state. */
export function newManager(host: CgroupHost | (() => CgroupHost), state: CgroupPaths & { created?: string[] }): CgroupManager {
  const full: CgroupState = state.created ? (state as CgroupState) : { ...state, created: [] };
  if (full.driver === 'systemd') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SystemdManager } = require('./systemd/manager') as typeof import('./systemd/manager');
    return new SystemdManager(full, new CgroupfsManager(host, { driver: 'cgroupfs', mode: full.mode, paths: full.paths, created: [] }));
  }
  return new CgroupfsManager(host, full);
}

type FreezerLocation = { version: 1 | 2; dir: string } | undefined;

class CgroupfsManager implements CgroupManager {
  private hostFacts?: CgroupHost;

  constructor(private readonly hostSource: CgroupHost | (() => CgroupHost), readonly state: CgroupState) {}

  private get host(): CgroupHost {
    return (this.hostFacts ??= typeof this.hostSource === 'function' ? this.hostSource() : this.hostSource);
  }

  private get paths(): Record<string, string> {
    return this.state.paths;
  }

  /** Each directory once (co-mounted v1 controllers share one). */
  private directories(): string[] {
    return [...new Set(Object.values(this.paths))];
  }

  private mountPointOf(key: string): string {
    const mount = key === '' ? this.host.unified : this.host.v1[key];
    if (!mount) throw new CgroupError(`the ${key || 'unified'} cgroup hierarchy is not mounted on this host`);
    return mount.mountPoint;
  }

  // ---- create ----

  create(): void {
    for (const [key, leaf] of Object.entries(this.paths)) this.mkdirChain(this.mountPointOf(key), leaf);
    if (this.paths['cpuset']) this.initCpusets(this.mountPointOf('cpuset'));
    if (this.paths['']) this.enableControllers(this.mountPointOf(''), this.paths['']);
    const pids = this.pids();
    if (pids.length) throw new CgroupError(`container's cgroup is not empty: ${pids.length} process(es) found`);
    if (this.freezerState() !== 'thawed') throw new CgroupError("container's cgroup unexpectedly frozen");
  }

  private mkdirChain(mountPoint: string, leaf: string): void {
    const rel = path.posix.relative(mountPoint, leaf);
    if (rel === '' || rel.startsWith('..')) throw new CgroupError(`cgroup ${leaf} is not inside ${mountPoint}`, '/linux/cgroupsPath');
    let dir = mountPoint;
    for (const part of rel.split('/')) {
      dir = path.posix.join(dir, part);
      try {
        fs.mkdirSync(dir, 0o755);
        if (!this.state.created.includes(dir)) this.state.created.push(dir);
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw new CgroupError(`creating cgroup ${dir}: ${(err as Error).message}`, undefined, errorCode(err));
      }
    }
  }

  /**
   * A new v1 cpuset has no cpus or mems, and no task can join it: copy them from the parent, top down. Like
   * runc, this also fills an empty pre-existing ancestor (a parent made with mkdir by someone else), which is
   * unusable as it is; ancestors with a value are left alone.
   */
  private initCpusets(mountPoint: string): void {
    const leaf = this.paths['cpuset']!;
    const chain: string[] = [];
    for (let dir = leaf; dir.startsWith(mountPoint + '/'); dir = path.posix.dirname(dir)) chain.unshift(dir);
    for (const dir of chain) {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        if (readCgroupFile(dir, file) !== '') continue;
        const parentValue = readCgroupFile(path.dirname(dir), file) ?? '';
        try {
          writeCgroupFile(dir, file, parentValue);
        } catch (err) {
          throw new CgroupError(`initialising ${file} of ${dir} from its parent (${JSON.stringify(parentValue)}): ${(err as Error).message}`);
        }
      }
    }
  }

  /**
   * cgroup v2: a controller's files appear in a cgroup only when its parent enables it in
   * cgroup.subtree_control. Enables every available controller from the top down to the container's
   * parent, as runc does, writing only what is missing. In hybrid mode the unified hierarchy belongs to
   * the host's init: only directories this container created are changed there.
   */
  private enableControllers(mountPoint: string, leaf: string): void {
    const ancestors = [mountPoint];
    for (const part of path.posix.relative(mountPoint, leaf).split('/').slice(0, -1)) ancestors.push(path.posix.join(ancestors.at(-1)!, part));
    for (const dir of ancestors) {
      if (this.state.mode === 'hybrid' && !this.state.created.includes(dir)) continue;
      const available = (readCgroupFile(dir, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean);
      const enabled = new Set((readCgroupFile(dir, 'cgroup.subtree_control') ?? '').split(/\s+/));
      const missing = available.filter((c) => !enabled.has(c));
      if (!missing.length) continue;
      try {
        writeCgroupFile(dir, 'cgroup.subtree_control', missing.map((c) => `+${c}`).join(' '));
      } catch {
        // One by one: some may be refused (e.g. a threaded subtree); the writes that need them report it.
        for (const c of missing) {
          try {
            writeCgroupFile(dir, 'cgroup.subtree_control', `+${c}`);
          } catch {
            // see above
          }
        }
      }
    }
  }

  // ---- resources ----

  private facts(): CgroupFacts {
    const listings = new Map<string, Set<string> | undefined>();
    return {
      files: (h) => {
        const dir = this.paths[h];
        if (dir === undefined) return undefined;
        if (!listings.has(h)) listings.set(h, listCgroupFiles(dir) ?? new Set());
        return listings.get(h);
      },
      read: (h, f) => (this.paths[h] === undefined ? undefined : readCgroupFile(this.paths[h], f)),
    };
  }

  apply(resources: LinuxResources | undefined, opts: ApplyOptions = {}): void {
    if (!resources) return;
    const plan = lazy.plan().planResources(resources, this.facts(), { mode: this.state.mode, update: opts.update });
    const { performWrites } = lazy.writer();
    for (const group of plan.groups) performWrites(this.paths, group.writes);
    if (plan.deviceProgram) {
      try {
        lazy.bpf().installDeviceFilter(this.paths['']!, lazy.devicefilter().deviceFilterProgram(plan.deviceProgram));
      } catch (err) {
        throw new CgroupError(`installing the cgroup v2 device filter: ${(err as Error).message}`, resourcePointer('devices'));
      }
    }
  }

  // ---- processes ----

  addProcess(pid: number): void {
    for (const dir of this.directories()) {
      for (let attempt = 0; ; attempt++) {
        try {
          writeCgroupFile(dir, 'cgroup.procs', String(pid));
          break;
        } catch (err) {
          // EINVAL: the task may still be in TASK_NEW right after clone; runc retries the same way.
          if (errorCode(err) === 'EINVAL' && attempt < 5) {
            sleepMs(30);
            continue;
          }
          throw new CgroupError(`adding process ${pid} to cgroup ${dir}: ${(err as Error).message}`, undefined, errorCode(err));
        }
      }
    }
  }

  pids(): number[] {
    const all = new Set<number>();
    for (const dir of this.directories()) {
      for (const d of [dir, ...subCgroups(dir)]) for (const pid of readProcs(d)) all.add(pid);
    }
    return [...all].sort((a, b) => a - b);
  }

  signalAll(signal: NodeJS.Signals | number): void {
    const unified = this.paths[''];
    if ((signal === 'SIGKILL' || signal === 9) && unified && listCgroupFiles(unified)?.has('cgroup.kill')) {
      writeCgroupFile(unified, 'cgroup.kill', '1');
      // Hybrid: a process could have been put into the v1 hierarchies only; the loop below finds it.
      if (this.state.mode === 'v2') return;
    }
    // Freeze first so no process forks a new one between listing and signalling; leave a paused cgroup paused.
    const freeze = this.freezerLocation() !== undefined && this.freezerState() === 'thawed';
    if (freeze) {
      try {
        this.freeze();
      } catch {
        // signal anyway
      }
    }
    const failures: string[] = [];
    for (const pid of this.pids()) {
      try {
        process.kill(pid, signal);
      } catch (err) {
        if (errorCode(err) !== 'ESRCH') failures.push(`${pid}: ${(err as Error).message}`);
      }
    }
    if (freeze) this.thaw();
    if (failures.length) throw new CgroupError(`signalling the container's processes: ${failures.join('; ')}`);
  }

  // ---- freezer ----

  /** The v1 freezer when mounted, otherwise cgroup.freeze of the unified cgroup. */
  private freezerLocation(): FreezerLocation {
    if (this.paths['freezer']) return { version: 1, dir: this.paths['freezer'] };
    if (this.paths['']) return { version: 2, dir: this.paths[''] };
    return undefined;
  }

  freeze(): void {
    const loc = this.freezerLocation();
    if (!loc) throw new CgroupError('the freezer cgroup controller is not available on this host');
    if (loc.version === 1) freezeV1(loc.dir);
    else freezeV2(loc.dir);
  }

  thaw(): void {
    const loc = this.freezerLocation();
    if (!loc) return;
    if (loc.version === 1) thawV1(loc.dir);
    else thawV2(loc.dir);
  }

  freezerState(): FreezerState {
    const loc = this.freezerLocation();
    if (!loc) return 'thawed';
    return loc.version === 1 ? freezerStateV1(loc.dir) : freezerStateV2(loc.dir);
  }

  // ---- accounting ----

  stats(): Stats {
    const collect = lazy.statsCollect();
    return this.state.mode === 'v2' ? collect.collectStatsV2(this.paths['']!) : collect.collectStatsV1(this.paths);
  }

  oomCount(): number {
    const { parseFlatKeyed } = lazy.stats();
    const v1 = this.paths['memory'];
    const counters = v1
      ? parseFlatKeyed(readCgroupFile(v1, 'memory.oom_control'))
      : parseFlatKeyed(this.paths[''] ? readCgroupFile(this.paths[''], 'memory.events') : undefined);
    return Number(counters.oom_kill ?? 0);
  }

  // ---- removal ----

  exists(): boolean {
    return this.directories().some((dir) => fs.existsSync(dir));
  }

  destroy(): void {
    const created = new Set(this.state.created);
    const failures: string[] = [];
    // The container's own cgroups, with whatever sub-cgroups its processes made in them.
    for (const leaf of this.directories()) {
      if (!created.has(leaf)) continue;
      for (const dir of [...subCgroups(leaf), leaf]) {
        try {
          removeCgroupDir(dir);
        } catch (err) {
          failures.push(`${dir}: ${(err as Error).message}`);
        }
      }
    }
    // Created parents may now hold other containers' cgroups: remove them only when empty.
    for (const dir of [...this.state.created].reverse()) {
      try {
        fs.rmdirSync(dir);
      } catch (err) {
        const code = errorCode(err);
        if (code !== 'ENOENT' && code !== 'EBUSY' && code !== 'ENOTEMPTY') failures.push(`${dir}: ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new CgroupError(`removing cgroups: ${failures.join('; ')}`);
  }
}
