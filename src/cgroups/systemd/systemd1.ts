// The org.freedesktop.systemd1.Manager calls the driver makes, over the system bus (or the user's bus):
// transient scopes started and stopped with their jobs awaited, unit properties, the manager's version.
import * as fs from 'node:fs';
import { CgroupError } from '../errors';
import { DBusConnection, DBusError, parseBusAddresses } from './dbus/connection';
import type { Message } from './dbus/wire';
import type { UnitProperty } from './properties';

const SYSTEMD = { destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1' } as const;
const MANAGER = 'org.freedesktop.systemd1.Manager';
const JOB_REMOVED_MATCH = `type='signal',sender='org.freedesktop.systemd1',path='/org/freedesktop/systemd1',interface='${MANAGER}',member='JobRemoved'`;

export type BusKind = 'system' | 'user';

/**
 * The sockets to reach systemd through: the system bus (DBUS_SYSTEM_BUS_ADDRESS or the standard socket), or for
 * rootless callers the user's bus (DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus).
 */
export function busAddresses(kind: BusKind, env: NodeJS.ProcessEnv = process.env): string[] {
  if (kind === 'user') {
    const fromEnv = env.DBUS_SESSION_BUS_ADDRESS ? parseBusAddresses(env.DBUS_SESSION_BUS_ADDRESS) : [];
    return fromEnv.length ? fromEnv : env.XDG_RUNTIME_DIR ? [`${env.XDG_RUNTIME_DIR}/bus`] : [];
  }
  return parseBusAddresses(env.DBUS_SYSTEM_BUS_ADDRESS || 'unix:path=/run/dbus/system_bus_socket');
}

/** sd_booted(3): systemd is the init system when /run/systemd/system is a directory. */
export function systemdRunning(): boolean {
  try {
    return fs.statSync('/run/systemd/system').isDirectory();
  } catch {
    return false;
  }
}

/** A failed call; `dbusName` is systemd's error name (org.freedesktop.systemd1.UnitExists, ...). */
export class SystemdError extends CgroupError {
  constructor(detail: string, readonly dbusName?: string, field?: string) {
    super(detail, field);
  }
}

export class Systemd {
  private versionNumber?: number;

  private constructor(private readonly conn: DBusConnection) {}

  /** Connects to the first address that accepts; a clear error when none does. */
  static connect(kind: BusKind = 'system'): Systemd {
    const addresses = busAddresses(kind);
    const failures: string[] = [];
    for (const socket of addresses) {
      try {
        const s = new Systemd(DBusConnection.open(socket));
        s.conn.addMatch(JOB_REMOVED_MATCH);
        return s;
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    const where = kind === 'system' ? 'the system bus' : "the user's bus (DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus)";
    throw new SystemdError(`cannot reach systemd on ${where}: ${failures.join('; ') || 'no address'}`);
  }

  close(): void {
    this.conn.close();
  }

  private call(member: string, signature: string, body: unknown[]): unknown[] {
    return this.conn.call({ ...SYSTEMD, interface: MANAGER, member, signature, body });
  }

  /** The manager's version, e.g. 252 from "252.36-1~deb12u1" (runc's systemdVersionAtoi). */
  version(): number {
    if (this.versionNumber === undefined) {
      const [v] = this.conn.call({
        ...SYSTEMD, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: [MANAGER, 'Version'],
      }) as [{ value: string }];
      const m = /^"?v?(\d+)/.exec(String(v.value));
      this.versionNumber = m ? Number(m[1]) : 0;
    }
    return this.versionNumber;
  }

  /** Starts a transient unit and waits for its start job. A unit left over (failed) is reset and tried once more. */
  startTransientUnit(unit: string, properties: UnitProperty[]): void {
    const props = properties.map((p) => [p.name, p.value]);
    let job: string;
    try {
      job = this.startJob(unit, props);
    } catch (err) {
      if (!(err instanceof DBusError) || err.name !== 'org.freedesktop.systemd1.UnitExists') throw err;
      this.resetFailedUnit(unit);
      job = this.startJob(unit, props);
    }
    const result = this.waitForJob(job, `starting ${unit}`);
    if (result !== 'done') {
      this.resetFailedUnit(unit);
      throw new SystemdError(`systemd could not start unit ${unit}: job result "${result}"`);
    }
  }

  private startJob(unit: string, props: unknown[]): string {
    return this.call('StartTransientUnit', 'ssa(sv)a(sa(sv))', [unit, 'fail', props, []])[0] as string;
  }

  /** Stops a unit and waits for it. A unit systemd already removed (NoSuchUnit) is not an error. */
  stopUnit(unit: string): void {
    let job: string;
    try {
      job = this.call('StopUnit', 'ss', [unit, 'replace'])[0] as string;
    } catch (err) {
      if (err instanceof DBusError && err.name === 'org.freedesktop.systemd1.NoSuchUnit') return;
      throw err;
    }
    const result = this.waitForJob(job, `stopping ${unit}`);
    if (result !== 'done') throw new SystemdError(`systemd could not stop unit ${unit}: job result "${result}"`);
  }

  /** Lets systemd forget a failed unit (an OOM-killed scope stays "failed" until then). */
  resetFailedUnit(unit: string): void {
    try {
      this.call('ResetFailedUnit', 's', [unit]);
    } catch (err) {
      if (!(err instanceof DBusError) || err.name !== 'org.freedesktop.systemd1.NoSuchUnit') throw err;
    }
  }

  /** Changes properties of a running unit, for this boot only (runtime), as runc's update does. */
  setUnitProperties(unit: string, properties: UnitProperty[]): void {
    if (!properties.length) return;
    this.call('SetUnitProperties', 'sba(sv)', [unit, true, properties.map((p) => [p.name, p.value])]);
  }

  /** A property of a unit of the given interface (tests and diagnostics). */
  unitProperty(unit: string, iface: string, name: string): unknown {
    const [path] = this.call('GetUnit', 's', [unit]) as [string];
    const [v] = this.conn.call({
      destination: SYSTEMD.destination, path, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: [iface, name],
    }) as [{ value: unknown }];
    return v.value;
  }

  private waitForJob(job: string, what: string): string {
    const removed = this.conn.waitForSignal(
      (m: Message) => m.member === 'JobRemoved' && m.interface === MANAGER && m.body[1] === job,
      `the JobRemoved signal of ${what}`,
    );
    return String(removed.body[3]);
  }
}

