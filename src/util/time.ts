/** RFC 3339 UTC with nanoseconds ("2026-11-22T18:16:00.123456789Z"), as runc writes `created`. */
export function rfc3339Nano(ms = Date.now(), extraNs = Number(process.hrtime.bigint() % 1_000_000n)): string {
  const iso = new Date(ms).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, 23)}${String(extraNs).padStart(6, '0')}Z`;
}

/** RFC 3339 UTC with seconds, as logrus writes log records. */
export function rfc3339(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (fractions allowed): for polling loops in synchronous code. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
