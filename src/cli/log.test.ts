import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configureLog, log } from './log';
import { callerUmask } from '../lifecycle/host-facts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Runs fn with process.stderr.write captured; returns what it wrote. */
function captureStderr(fn: () => void): string {
  let out = '';
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-log-'));
t.teardown(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  configureLog({ format: 'text', debug: false });
});
let n = 0;
const logFile = () => path.join(dir, `log-${n++}.json`);
const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);

t.test('json records in a file: sorted keys, RFC 3339 time, one per line, appended', async (t) => {
  const file = logFile();
  configureLog({ file, format: 'json', debug: false });
  const before = Date.now();
  const stderr = captureStderr(() => {
    log.error('first "quoted" \\ error\nline 2');
    log.warn('careful');
    log.error('second');
  });
  const after = Date.now();
  const records = lines(file);
  t.equal(records.length, 3);
  for (const line of records) {
    const r = JSON.parse(line) as Record<string, string>;
    t.same(Object.keys(r), ['level', 'msg', 'time'], 'keys in logrus order (sorted)');
    t.match(r.time, RFC3339);
    const ms = Date.parse(r.time!);
    t.ok(ms >= Math.floor(before / 1000) * 1000 && ms <= after, 'time is now');
  }
  t.same(records.map((l) => JSON.parse(l) as { level: string; msg: string }).map((r) => [r.level, r.msg]), [
    ['error', 'first "quoted" \\ error\nline 2'], ['warning', 'careful'], ['error', 'second'],
  ]);
  t.equal(stderr, 'first "quoted" \\ error\nline 2\nsecond\n', 'errors also go to stderr as plain text; warnings do not');
  t.equal(fs.statSync(file).mode & 0o777, 0o644 & ~callerUmask(), 'created 0644 (less the umask)');

  captureStderr(() => log.error('third'));
  t.equal(lines(file).length, 4, 'later records are appended');
});

t.test('debug records only with --debug', async (t) => {
  const quiet = logFile();
  configureLog({ file: quiet, format: 'json', debug: false });
  const s1 = captureStderr(() => log.debug('hidden'));
  t.notOk(fs.existsSync(quiet), 'nothing written, not even the file');
  t.equal(s1, '');

  const loud = logFile();
  configureLog({ file: loud, format: 'json', debug: true });
  const s2 = captureStderr(() => log.debug('shown'));
  t.same(lines(loud).map((l) => (JSON.parse(l) as { level: string; msg: string })), [{ level: 'debug', msg: 'shown', time: (JSON.parse(lines(loud)[0]!) as { time: string }).time }]);
  t.equal(s2, '', 'debug records do not go to stderr when --log is set');

  configureLog({ format: 'text', debug: false });
  t.equal(captureStderr(() => log.debug('x')), '', 'no file, no --debug: nothing');
  configureLog({ format: 'text', debug: true });
  t.equal(captureStderr(() => log.debug('x')), 'debug: x\n');
});

t.test('text records in a file', async (t) => {
  const file = logFile();
  configureLog({ file, format: 'text', debug: false });
  const stderr = captureStderr(() => {
    log.error('bad "thing"');
    log.warn('hmm');
  });
  const [e, w] = lines(file);
  t.match(e, /^time="([^"]+)" level=error msg="bad \\"thing\\""$/);
  t.match(/time="([^"]+)"/.exec(e!)![1], RFC3339);
  t.match(w, /^time="[^"]+" level=warning msg="hmm"$/);
  t.equal(stderr, 'bad "thing"\n');
});

t.test('without --log: stderr', async (t) => {
  configureLog({ format: 'text', debug: false });
  t.equal(captureStderr(() => log.error('container does not exist')), 'container does not exist\n', 'plain text, as callers match it');
  t.equal(captureStderr(() => log.warn('w')), 'warning: w\n');

  configureLog({ format: 'json', debug: false });
  const out = captureStderr(() => log.error('boom'));
  t.match(out, /^\{"level":"error","msg":"boom","time":"[^"]+"\}\n$/, 'json format: one JSON record, nothing else');
  t.match((JSON.parse(out) as { time: string }).time, RFC3339);
});

t.test('a log file that cannot be opened: the record goes to stderr', async (t) => {
  configureLog({ file: path.join(dir, 'missing-dir', 'log.json'), format: 'json', debug: false });
  const out = captureStderr(() => log.warn('w'));
  t.match(out, /^\{"level":"warning","msg":"w","time":"[^"]+"\}\n$/);
  const err = captureStderr(() => log.error('e'));
  t.match(err, /^\{"level":"error","msg":"e","time":"[^"]+"\}\ne\n$/, 'the record, then the plain text');
});
