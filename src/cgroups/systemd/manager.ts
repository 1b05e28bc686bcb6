// The systemd cgroup driver (--systemd-cgroup), cgroup v2: systemd creates a transient scope for the container
// and holds its limits as unit properties; hako writes the same values (and what systemd has no property for)
// into the scope's files, as runc does. Freezing, stats, pids and signals work on the scope's files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LinuxResources, Spec } from '../../spec/types';
import type { CgroupHost } from '../host';
import type { CgroupPaths, CgroupState, SystemdUnitState } from '../state';
import type { ApplyOptions, CgroupManager, FreezerState } from '../manager';
import type { CgroupFacts, CgroupWrite } from '../controllers/types';
import type { Stats } from '../stats';
import { CgroupError, resourcePointer } from '../errors';
import { errorCode, listCgroupFiles, readCgroupFile, readProcs, removeCgroupDir, subCgroups, writeCgroupFile } from '../cgroupfs';
import type { DeviceRule } from '../controllers/devices';
import type { UnitProperty } from './properties';
import type { Systemd } from './systemd1';
import { expandSlice, resolveSystemdUnit } from './unit-name';

// What only create, update and delete need is loaded by them: `state`, `list`, `kill`, `pause` of a systemd
// container cost what they cost with cgroupfs.
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  plan: () => require('../plan') as typeof import('../plan'),
  writer: () => require('../writer') as typeof import('../writer'),
  annotations: () => require('./annotations') as typeof import('./annotations'),
  properties: () => require('./properties') as typeof import('./properties'),
  systemd1: () => require('./systemd1') as typeof import('./systemd1'),
  connection: () => require('./dbus/connection') as typeof import('./dbus/connection'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The state of a new container under the systemd driver. Refuses what it cannot do: no systemd, a host that is not
 * pure cgroup v2 (v1 and hybrid under systemd are not implemented: there is no such host to test them on), a rootless
 * caller (the user bus comes with rootless support), a cgroup namespace view of the hierarchy.
 */
export function resolveSystemdCgroupPaths(host: CgroupHost, spec: Spec, id: string, euid = process.geteuid?.() ?? 0): CgroupPaths {
  const refuse = (why: string): never => {
    throw new CgroupError(`--systemd-cgroup: ${why}`);
  };
  if (!lazy.systemd1().systemdRunning()) refuse('systemd is not running on this host (no /run/systemd/system); use the cgroupfs driver (omit --systemd-cgroup)');
  if (host.mode !== 'v2') refuse(`hako's systemd driver supports the unified cgroup v2 hierarchy only; this host's layout is ${host.mode} (use the cgroupfs driver)`);
  if (euid !== 0) refuse("the systemd driver for rootless containers (through the user's bus) is not supported yet");
  if (!host.unified || host.unified.root !== '/') refuse('the cgroup2 mount does not show the whole hierarchy (inside a cgroup namespace?)');
  const unit = resolveSystemdUnit(spec.linux?.cgroupsPath, id);
  const { annotatedProperties, PROPERTY_ANNOTATION_PREFIX } = lazy.annotations();
  const annotations = Object.fromEntries(Object.entries(spec.annotations ?? {}).filter(([k]) => k.startsWith(PROPERTY_ANNOTATION_PREFIX)));
  annotatedProperties(annotations); // errors name the annotation, before anything starts
  const systemd: SystemdUnitState = { unit: unit.unit, slice: unit.slice, bus: 'system' };
  if (Object.keys(annotations).length) systemd.annotations = annotations;
  return { driver: 'systemd', mode: 'v2', paths: { '': path.posix.join(host.unified!.mountPoint, unit.cgroup) }, systemd };
}

/** The node systemd's IO properties name for a block device: /dev/<DEVNAME> from sysfs, else /dev/block/MAJ:MIN. */
export function blockDevicePath(majorMinor: string): string {
  const uevent = readCgroupFile(`/sys/dev/block/${majorMinor}`, 'uevent');
  const name = /^DEVNAME=(.+)$/m.exec(uevent ?? '')?.[1];
  return name ? `/dev/${name}` : `/dev/block/${majorMinor}`;
}

function factsOf(dir: string): CgroupFacts {
  let files: Set<string> | undefined;
  return {
    files: (h) => (h === '' ? (files ??= listCgroupFiles(dir) ?? new Set()) : undefined),
    read: (h, f) => (h === '' ? readCgroupFile(dir, f) : undefined),
  };
}

interface Planned {
  properties: UnitProperty[];
  writes: CgroupWrite[];
  /** Device rules systemd cannot enforce exactly: hako's own BPF program does. */
  ownFilter?: DeviceRule[];
}

export class SystemdManager implements CgroupManager {
  private pending?: { resources: LinuxResources; planned: Planned };

  /** `files`: a cgroupfs manager of the scope's directory, for everything done on the files. */
  constructor(readonly state: CgroupState, private readonly files: CgroupManager) {}

  private get unit(): SystemdUnitState {
    return this.state.systemd!;
  }

  private get dir(): string {
    return this.state.paths['']!;
  }

  /** One connection from create() to the end of addProcess() (or for one update or destroy). */
  private bus?: Systemd;

  private systemd(): Systemd {
    return (this.bus ??= lazy.systemd1().Systemd.connect(this.unit.bus));
  }

  private disconnect(): void {
    this.bus?.close();
    this.bus = undefined;
  }

  /** Nothing to make: systemd creates the scope when the init exists (addProcess). Fails early without systemd. */
  create(): void {
    if (fs.existsSync(this.dir)) {
      // Another container's scope, or a leftover: systemd refuses the unit anyway; say which path is taken.
      const pids = readProcs(this.dir);
      if (pids.length) throw new CgroupError(`container's cgroup is not empty: ${pids.length} process(es) found in ${this.dir}`, '/linux/cgroupsPath');
    }
    this.systemd();
  }

  /**
   * Before the unit exists (create), the properties are computed against the parent slice's cgroup (what the
   * scope will get) and kept for StartTransientUnit; errors come out before the container's process exists.
   * Once it exists (the end of create, and update): SetUnitProperties, then the files.
   */
  apply(resources: LinuxResources | undefined, opts: ApplyOptions = {}): void {
    if (!resources) return;
    const version = (): number => this.systemd().version();
    if (!this.unit.started) {
      this.pending = { resources, planned: this.plan(resources, this.predictedFacts(), opts, version) };
      return;
    }
    try {
      const planned = this.plan(resources, factsOf(this.dir), opts, version);
      this.withFields(() => this.systemd().setUnitProperties(this.unit.unit, planned.properties), planned.properties);
      this.write(planned);
    } finally {
      this.disconnect();
    }
  }

  private plan(resources: LinuxResources, facts: CgroupFacts, opts: ApplyOptions, version: () => number): Planned {
    const plan = lazy.plan().planResources(resources, facts, { mode: 'v2', update: opts.update });
    const { resourceProperties, deviceProperties } = lazy.properties();
    const converted = resourceProperties(plan.groups.flatMap((g) => g.writes), { version, blockDevice: blockDevicePath });
    if (!plan.deviceProgram) return converted;
    const devices = deviceProperties(plan.deviceProgram, version);
    const planned: Planned = { properties: [...devices.properties, ...converted.properties], writes: converted.writes };
    if (devices.ownFilter) planned.ownFilter = plan.deviceProgram;
    return planned;
  }

  /** The unit's cgroup relative to the cgroup2 mount ("/system.slice/hako-x.scope") and that mount. */
  private where(): { relative: string; mount: string } {
    const slice = expandSlice(this.unit.slice);
    const relative = `${slice === '/' ? '' : slice}/${this.unit.unit}`;
    return { relative, mount: this.dir.slice(0, this.dir.length - relative.length) };
  }

  /** The scope's cgroup will be like its slice's (the same controllers): the nearest existing slice below the root
   * (system.slice when the whole slice path is new); with none, any file is assumed there (checked after the start). */
  private predictedFacts(): CgroupFacts {
    const { relative, mount } = this.where();
    const slices = relative.split('/').slice(1, -1).map((_, i, all) => `/${all.slice(0, i + 1).join('/')}`).reverse();
    for (const dir of [...slices, '/system.slice'].map((s) => mount + s)) {
      if (fs.existsSync(dir)) return factsOf(dir);
    }
    const everything = { has: () => true, [Symbol.iterator]: function* () {} } as unknown as ReadonlySet<string>;
    return { files: (h) => (h === '' ? everything : undefined), read: () => undefined };
  }

  private write(planned: Planned): void {
    lazy.writer().performWrites(this.state.paths, planned.writes);
    if (planned.ownFilter) {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { deviceFilterProgram } = require('../devicefilter') as typeof import('../devicefilter');
      const { installDeviceFilter } = require('../../host/bpf') as typeof import('../../host/bpf');
      /* eslint-enable @typescript-eslint/no-require-imports */
      try {
        installDeviceFilter(this.dir, deviceFilterProgram(planned.ownFilter));
      } catch (err) {
        throw new CgroupError(`installing the cgroup v2 device filter: ${(err as Error).message}`, resourcePointer('devices'));
      }
    }
  }

  /** Starts the scope with the container's init in it (the first call), then writes the files. */
  addProcess(pid: number): void {
    if (this.unit.started) {
      this.files.addProcess(pid);
      return;
    }
    const extra = lazy.annotations().annotatedProperties(this.unit.annotations).map((p) => ({ name: p.name, value: p.value, field: `/annotations/${p.annotation}` }));
    const planned = this.pending?.planned;
    const properties = [
      ...lazy.properties().baseProperties({ slice: this.unit.slice, pid, description: `hako container ${this.unit.unit}` }),
      ...extra,
      ...(planned?.properties ?? []),
    ];
    const sd = this.systemd();
    try {
      this.withFields(() => {
        try {
          sd.startTransientUnit(this.unit.unit, properties);
        } catch (err) {
          // Refused (an error reply): there is no unit of ours. Anything else (a failed job, no JobRemoved): there
          // may be one, and destroy() must stop it.
          if (!(err instanceof lazy.connection().DBusError)) this.unit.started = true;
          throw err;
        }
      }, properties);
      this.unit.started = true;
      this.checkPlacement(pid);
      if (this.pending) {
        const actual = this.plan(this.pending.resources, factsOf(this.dir), {}, () => sd.version());
        const changed = actual.properties.filter((p) => !planned!.properties.some((q) => q.name === p.name && sameValue(q.value, p.value)));
        this.withFields(() => sd.setUnitProperties(this.unit.unit, changed), changed);
        this.write(actual);
      }
    } finally {
      this.disconnect();
    }
  }

  private checkPlacement(pid: number): void {
    const line = /^0::(.*)$/m.exec(readCgroupFile(`/proc/${pid}`, 'cgroup') ?? '');
    if (!line) throw new CgroupError(`the container's process ${pid} is gone after systemd started ${this.unit.unit}`);
    const { relative } = this.where();
    if (line[1] !== relative) throw new CgroupError(`systemd put the container's process in ${line[1]}, not in ${relative}`, '/linux/cgroupsPath');
  }

  /** Runs a call; a refusal names the annotation or the config field of the property systemd named. */
  private withFields(call: () => void, properties: UnitProperty[]): void {
    try {
      call();
    } catch (err) {
      if (!(err instanceof lazy.connection().DBusError)) throw err;
      const { SystemdError } = lazy.systemd1();
      const { unit } = this.unit;
      if (err.name === 'org.freedesktop.systemd1.UnitExists') {
        throw new SystemdError(`systemd unit ${unit} already exists (another container with the same linux.cgroupsPath?)`, err.name, '/linux/cgroupsPath');
      }
      const named = properties.filter((p) => new RegExp(`\\b${p.name}\\b`).test(err.detail)).sort((a, b) => b.name.length - a.name.length)[0];
      if (named?.field) throw new SystemdError(`systemd refused unit property ${named.name} of ${unit}: ${err.message}`, err.name, named.field);
      const annotations = Object.keys(this.unit.annotations ?? {});
      const hint = annotations.length ? ` (unit properties from annotations: ${annotations.join(', ')})` : '';
      throw new SystemdError(`systemd refused unit ${unit}${hint}: ${err.message}`, err.name, '/linux/cgroupsPath');
    }
  }

  /** Stops the scope (nothing left in it, then systemd removes its cgroup) and removes what may remain below it. */
  destroy(): void {
    if (!this.unit.started) {
      this.disconnect();
      return;
    }
    try {
      // Whatever is left dies now (systemd would wait for SIGTERM first); the scope may vanish meanwhile.
      if (readProcs(this.dir).length) writeCgroupFile(this.dir, 'cgroup.kill', '1');
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw new CgroupError(`killing what is left in ${this.dir}: ${(err as Error).message}`, undefined, errorCode(err));
    }
    try {
      this.systemd().stopUnit(this.unit.unit);
      this.systemd().resetFailedUnit(this.unit.unit);
    } finally {
      this.disconnect();
    }
    const failures: string[] = [];
    for (const dir of [...subCgroups(this.dir), this.dir]) {
      try {
        removeCgroupDir(dir);
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') failures.push(`${dir}: ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new CgroupError(`removing cgroups: ${failures.join('; ')}`);
  }

  // ---- on the scope's files, as with cgroupfs ----

  freeze(): void {
    this.files.freeze();
  }

  thaw(): void {
    this.files.thaw();
  }

  freezerState(): FreezerState {
    return this.files.freezerState();
  }

  pids(): number[] {
    return this.files.pids();
  }

  signalAll(signal: NodeJS.Signals | number): void {
    this.files.signalAll(signal);
  }

  stats(): Stats {
    return this.files.stats();
  }

  oomCount(): number {
    return this.files.oomCount();
  }

  exists(): boolean {
    return this.files.exists();
  }
}

function sameValue(a: { signature: string; value: unknown }, b: { signature: string; value: unknown }): boolean {
  const text = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
  return a.signature === b.signature && text(a.value) === text(b.value);
}
