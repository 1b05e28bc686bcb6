// `events`: the container's cgroup statistics as JSON lines (contract §2.3). `--stats` prints one
// {"type":"stats","id":...,"data":{...}} record and exits; otherwise a stats record every --interval and an
// {"type":"oom","id":...} record whenever the cgroup's OOM-kill counter grows, until the container's cgroup
// is gone or the container has stopped.
import type { CgroupManager } from '../cgroups/manager';
import { statsJson } from '../cgroups/stats';
import { HakoError } from '../util/errors';
import { log } from '../cli/log';
import { cgroupManager, containerStatus, loadContainer } from './common';
import { readRecord, type ContainerRecord } from '../state/record';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds: "5s", "100ms", "1m30s", "1.5h", "-2s", "0". */
export function parseGoDuration(text: string): number {
  const fail = (): never => {
    throw new HakoError(`invalid value "${text}" for flag --interval: parse error: time: invalid duration "${text}"`);
  };
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') fail();
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (s) {
    const m = part.exec(s);
    if (!m || (m[1] === '' && !m[2])) fail();
    const unit = UNIT_MS[m![3]!];
    if (unit === undefined) {
      throw new HakoError(`invalid value "${text}" for flag --interval: parse error: time: unknown unit "${m![3]}" in duration "${text}"`);
    }
    total += Number(`${m![1] || '0'}.${m![2] || '0'}`) * unit;
    s = s.slice(m![0].length);
  }
  return sign * total;
}

function statsRecord(id: string, cg: CgroupManager): string {
  return statsJson({ type: 'stats', id, data: cg.stats() }) + '\n';
}

/** Writes and resolves once the data is handed to the kernel (a closed reader ends `events`). */
function emit(line: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(line, (err) => (err ? reject(err) : resolve())));
}

export interface EventsOptions {
  stats: boolean;
  /** --interval in milliseconds. */
  intervalMs: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `events` should go on: the cgroup exists and the container has not stopped (nor been deleted). */
function alive(root: string, rec: ContainerRecord, cg: CgroupManager): boolean {
  if (!cg.exists()) return false;
  const now = readRecord(root, rec.id);
  if (!now || now.pid !== rec.pid || now.pidStartTime !== rec.pidStartTime) return false;
  return containerStatus(root, now) !== 'stopped';
}

export async function events(root: string, id: string | undefined, o: EventsOptions): Promise<void> {
  if (!(o.intervalMs > 0)) throw new HakoError('duration interval must be greater than 0');
  const rec = loadContainer(root, id);
  if (containerStatus(root, rec) === 'stopped') throw new HakoError(`container with id ${rec.id} is not running`);
  const cg = cgroupManager(rec);
  if (!cg) throw new HakoError(`container with id ${rec.id} has no cgroup`);
  if (o.stats) {
    await emit(statsRecord(rec.id, cg));
    return;
  }
  // OOM kills are polled (cheap: one small file) more often than stats are printed; runc is told by an
  // eventfd, which would need native code in a command that otherwise has none.
  const pollMs = Math.min(o.intervalMs, 200);
  let ooms = cg.oomCount();
  let nextStats = Date.now() + o.intervalMs;
  for (;;) {
    await sleep(Math.max(0, Math.min(pollMs, nextStats - Date.now())));
    // OOM first: the kill may also be what stops the container.
    const count = cg.oomCount();
    if (count > ooms) await emit(JSON.stringify({ type: 'oom', id: rec.id }) + '\n');
    ooms = Math.max(ooms, count);
    if (!alive(root, rec, cg)) return;
    if (Date.now() >= nextStats) {
      // Like runc: a tick whose stats cannot be read is logged and skipped.
      let line: string | undefined;
      try {
        line = statsRecord(rec.id, cg);
      } catch (err) {
        if (!cg.exists()) return;
        log.error(`reading stats: ${(err as Error).message}`);
      }
      if (line) await emit(line);
      nextStats += o.intervalMs * Math.max(1, Math.ceil((Date.now() - nextStats) / o.intervalMs));
    }
  }
}
