// Freezing a cgroup: the v1 freezer controller (freezer.state) or cgroup v2's cgroup.freeze.
import { CgroupError } from './errors';
import { errorCode, readCgroupFile, sleepMs, writeCgroupFile } from './cgroupfs';

export type FreezerState = 'frozen' | 'thawed' | 'freezing';

export function freezerStateV1(dir: string): FreezerState {
  const state = readCgroupFile(dir, 'freezer.state');
  if (state === 'FROZEN') return 'frozen';
  if (state === 'FREEZING') return 'freezing';
  return 'thawed'; // THAWED, or the cgroup is gone
}

/**
 * v1 can stay FREEZING while tasks keep forking; like runc, retry, and now and then thaw briefly to let
 * the stragglers settle. On failure the cgroup is thawed again rather than left half frozen.
 */
export function freezeV1(dir: string): void {
  try {
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 49) {
        writeCgroupFile(dir, 'freezer.state', 'THAWED');
        sleepMs(10);
      }
      writeCgroupFile(dir, 'freezer.state', 'FROZEN');
      if (i % 25 === 24) sleepMs(1);
      const state = readCgroupFile(dir, 'freezer.state');
      if (state === 'FROZEN') return;
      if (state !== 'FREEZING') throw new CgroupError(`unexpected freezer state ${state} while freezing ${dir}`);
    }
    throw new CgroupError(`unable to freeze ${dir}`);
  } catch (err) {
    try {
      writeCgroupFile(dir, 'freezer.state', 'THAWED');
    } catch {
      // keep the original error
    }
    throw err instanceof CgroupError ? err : new CgroupError(`freeze ${dir}: ${(err as Error).message}`, undefined, errorCode(err));
  }
}

export function thawV1(dir: string): void {
  writeIfPresent(dir, 'freezer.state', 'THAWED');
}

export function freezerStateV2(dir: string): FreezerState {
  const want = readCgroupFile(dir, 'cgroup.freeze');
  if (want !== '1') return 'thawed'; // "0", or the cgroup is gone
  return /^frozen 1$/m.test(readCgroupFile(dir, 'cgroup.events') ?? '') ? 'frozen' : 'freezing';
}

/** Writes cgroup.freeze and waits (up to ~5 s) until cgroup.events reports the new state. */
function setFreezeV2(dir: string, frozen: boolean): void {
  writeCgroupFile(dir, 'cgroup.freeze', frozen ? '1' : '0');
  const want = frozen ? 'frozen 1' : 'frozen 0';
  for (let waited = 0, delay = 1; waited < 5000; waited += delay, delay = Math.min(delay * 2, 50)) {
    if ((readCgroupFile(dir, 'cgroup.events') ?? '').split('\n').includes(want)) return;
    sleepMs(delay);
  }
  if (frozen) {
    writeCgroupFile(dir, 'cgroup.freeze', '0');
    throw new CgroupError(`unable to freeze ${dir}: cgroup.events never reported it frozen`);
  }
}

export function freezeV2(dir: string): void {
  try {
    setFreezeV2(dir, true);
  } catch (err) {
    throw err instanceof CgroupError ? err : new CgroupError(`freeze ${dir}: ${(err as Error).message}`, undefined, errorCode(err));
  }
}

export function thawV2(dir: string): void {
  // Thawing a cgroup whose tasks all died while frozen still works: the kernel just clears the flag.
  if (readCgroupFile(dir, 'cgroup.freeze') === undefined) return;
  setFreezeV2(dir, false);
}

/** A missing cgroup (already removed) has nothing to thaw. */
function writeIfPresent(dir: string, file: string, value: string): void {
  try {
    writeCgroupFile(dir, file, value);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw new CgroupError(`thaw ${dir}: ${(err as Error).message}`, undefined, errorCode(err));
  }
}
