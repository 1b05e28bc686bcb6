// Small synchronous helpers for cgroupfs files and directories.
import * as fs from 'node:fs';
import * as path from 'node:path';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the (single-threaded, synchronous) CLI for a few milliseconds. */
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

/** A cgroup file's content without the trailing newline; undefined when it cannot be read. */
export function readCgroupFile(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Writes a value with a single write(2) on an existing file (cgroupfs files take one value per write). */
export function writeCgroupFile(dir: string, file: string, value: string): void {
  const fd = fs.openSync(path.join(dir, file), fs.constants.O_WRONLY);
  try {
    fs.writeSync(fd, value);
  } finally {
    fs.closeSync(fd);
  }
}

/** Names of the files in a cgroup directory, or undefined when it does not exist. */
export function listCgroupFiles(dir: string): Set<string> | undefined {
  try {
    return new Set(fs.readdirSync(dir));
  } catch {
    return undefined;
  }
}

/** Sub-cgroup directories, depth first (children before their parent), not including dir itself. */
export function subCgroups(dir: string): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const child = path.join(dir, e.name);
    out.push(...subCgroups(child), child);
  }
  return out;
}

/** Pids listed in cgroup.procs of a directory (none when it is gone). */
export function readProcs(dir: string): number[] {
  const text = readCgroupFile(dir, 'cgroup.procs');
  if (!text) return [];
  return text.split('\n').filter(Boolean).map(Number);
}

/** rmdir, retrying while the kernel still reports the cgroup busy (its last tasks are exiting). */
export function removeCgroupDir(dir: string, tries = 10): void {
  let delay = 1;
  for (let i = 0; ; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || i >= tries) throw err;
      sleepMs(delay);
      delay = Math.min(delay * 2, 200);
    }
  }
}
