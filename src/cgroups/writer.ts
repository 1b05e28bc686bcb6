// Performs the writes the controller conversions planned, turning kernel refusals into errors that
// name the config field.
import { errnoMessage, nodeErrno } from '../util/errors';
import { CgroupError } from './errors';
import { errorCode, readCgroupFile, writeCgroupFile } from './cgroupfs';
import type { CgroupWrite } from './controllers/types';

function describeFailure(dir: string, w: CgroupWrite, err: unknown): CgroupError {
  const code = errorCode(err);
  if (code === 'EBUSY' && w.file === 'memory.limit_in_bytes') {
    // v1 refuses a limit below what the cgroup already uses.
    const usage = readCgroupFile(dir, 'memory.usage_in_bytes') ?? '?';
    const peak = readCgroupFile(dir, 'memory.max_usage_in_bytes') ?? '?';
    return new CgroupError(`unable to set memory limit to ${w.value} (current usage: ${usage}, peak usage: ${peak})`, w.field, code);
  }
  const errno = nodeErrno(err);
  const why = errno !== undefined ? `${errnoMessage(errno)}${code ? ` (${code})` : ''}` : String((err as Error)?.message ?? err);
  return new CgroupError(`writing ${JSON.stringify(w.value)} to ${w.file}: ${why}`, w.field, code);
}

function writeOne(dir: string, w: CgroupWrite): void {
  if (w.perLine) {
    for (const line of w.value.split('\n')) if (line.trim() !== '') writeCgroupFile(dir, w.file, line);
  } else {
    writeCgroupFile(dir, w.file, w.value);
  }
  if (w.check) {
    const problem = w.check(readCgroupFile(dir, w.file) ?? '');
    if (problem) throw new CgroupError(problem, w.field);
  }
}

/**
 * Writes in order. A write marked retryOnEinval that the kernel refuses with EINVAL is tried again once
 * the rest of the list is written (e.g. a CFS period that only fits the new quota).
 */
export function performWrites(paths: Record<string, string>, writes: CgroupWrite[]): void {
  const retry: CgroupWrite[] = [];
  const attempt = (w: CgroupWrite, deferOnEinval: boolean): void => {
    const dir = paths[w.hierarchy];
    if (dir === undefined) throw new CgroupError(`no cgroup of this container in the ${w.hierarchy || 'unified'} hierarchy`, w.field);
    try {
      writeOne(dir, w);
    } catch (err) {
      if (err instanceof CgroupError) throw err;
      if (deferOnEinval && w.retryOnEinval && errorCode(err) === 'EINVAL') retry.push(w);
      else throw describeFailure(dir, w, err);
    }
  };
  for (const w of writes) attempt(w, true);
  for (const w of retry) attempt(w, false);
}
