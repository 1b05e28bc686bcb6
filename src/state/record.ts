// <root>/<id>/state.json: what `create` learned and later commands need. Written atomically (temp + rename).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LinuxNamespaceType, Spec } from '../spec/types';
import type { CgroupState } from '../cgroups/state';

export interface ContainerRecord {
  version: 1;
  id: string;
  bundle: string;
  rootfs: string;
  /** RFC 3339, UTC, nanoseconds. */
  created: string;
  /** The init's pid in our pid namespace and its start time (/proc/PID/stat field 22), against pid reuse. */
  pid: number;
  pidStartTime: string;
  /** The validated config, for hooks and exec. */
  config: Spec;
  cgroup: CgroupState | null;
  /** Namespace files of the init, for exec to join. */
  namespaces: Partial<Record<LinuxNamespaceType, string>>;
  /** Whether the container has its own pid namespace (kill/delete sweep the cgroup otherwise). */
  ownPidNamespace: boolean;
  owner: number;
  /** Exact values of config integers beyond 2^53 (decimal strings by JSON pointer): exec needs them for
   * process.rlimits and linux.seccomp. Absent in records written before it existed. */
  exactIntegers?: Record<string, string>;
}

export function containerDir(root: string, id: string): string {
  return path.join(root, id);
}

export function fifoPath(root: string, id: string): string {
  return path.join(root, id, 'exec.fifo');
}

function statePath(root: string, id: string): string {
  return path.join(root, id, 'state.json');
}

/** The record, or null when there is no state.json (unknown id, or a create that never finished). */
export function readRecord(root: string, id: string): ContainerRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(statePath(root, id), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw err;
  }
  return JSON.parse(text) as ContainerRecord;
}

export function writeRecord(root: string, record: ContainerRecord): void {
  const file = statePath(root, record.id);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** runc's id rules: [A-Za-z0-9_+.-], not "." or "..". */
export function validId(id: string): boolean {
  return /^[A-Za-z0-9_+.-]+$/.test(id) && id !== '.' && id !== '..' && id.length <= 1024;
}
