// Helpers for the tests that create real cgroups: a unique parent per test run in every hierarchy,
// removed (with anything left in it) at teardown.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { CgroupHost } from './host';
import { readProcs, removeCgroupDir, subCgroups } from './cgroupfs';

export function testParentName(): string {
  return `hako-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Mount points of every hierarchy hako would use on this host. */
export function hierarchyMounts(host: CgroupHost): string[] {
  const mounts = Object.values(host.v1).map((m) => m.mountPoint);
  if (host.unified) mounts.push(host.unified.mountPoint);
  return [...new Set(mounts)];
}

/** Kills what is left in the test parent (by pid, only processes inside it) and removes it everywhere. */
export function removeTestParent(host: CgroupHost, name: string): void {
  for (const mount of hierarchyMounts(host)) {
    const top = path.join(mount, name);
    if (!fs.existsSync(top)) continue;
    for (const dir of [top, ...subCgroups(top)]) {
      for (const pid of readProcs(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    // v1 frozen tasks cannot die: thaw anything frozen under the parent.
    for (const dir of [top, ...subCgroups(top)]) {
      for (const [file, value] of [['freezer.state', 'THAWED'], ['cgroup.freeze', '0']]) {
        try {
          if (fs.existsSync(path.join(dir, file!))) fs.writeFileSync(path.join(dir, file!), value!);
        } catch {
          // best effort
        }
      }
    }
    for (const dir of [...subCgroups(top), top]) {
      try {
        removeCgroupDir(dir, 20);
      } catch (err) {
        console.error(`# could not remove test cgroup ${dir}: ${(err as Error).message}`);
      }
    }
  }
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  output: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Spawns a shell command that waits for a line on stdin before running, so it can be moved first. */
export function spawnWaiting(script: string): Child {
  const proc = spawn('/bin/sh', ['-c', `read _go; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => (stderr += d));
  const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { proc, pid: proc.pid!, output };
}

export function release(child: Child): void {
  child.proc.stdin!.end('go\n');
}
