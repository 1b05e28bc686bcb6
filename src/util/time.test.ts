import t from 'tap';
import { rfc3339, rfc3339Nano } from './time';

t.test('rfc3339Nano: UTC with nine fraction digits', async (t) => {
  const ms = Date.UTC(2026, 10, 22, 18, 16, 0, 123);
  t.equal(rfc3339Nano(ms, 456789), '2026-11-22T18:16:00.123456789Z');
  t.equal(rfc3339Nano(ms, 0), '2026-11-22T18:16:00.123000000Z', 'zero-padded');
  t.equal(rfc3339Nano(ms, 7), '2026-11-22T18:16:00.123000007Z');
  t.equal(rfc3339Nano(Date.UTC(1999, 0, 2, 3, 4, 5, 6), 999999), '1999-01-02T03:04:05.006999999Z');
  const now = rfc3339Nano();
  t.match(now, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
  t.ok(Math.abs(Date.parse(now) - Date.now()) < 5000, 'parses back to about now');
});

t.test('rfc3339: UTC, whole seconds', async (t) => {
  t.equal(rfc3339(Date.UTC(2026, 10, 22, 18, 16, 0, 999)), '2026-11-22T18:16:00Z');
  t.equal(rfc3339(0), '1970-01-01T00:00:00Z');
  t.match(rfc3339(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
});
