import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writePidFile } from './pidfile';
import { callerUmask } from '../lifecycle/host-facts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-pidfile-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

t.test('digits only, no newline', async (t) => {
  const file = path.join(tmp, 'a.pid');
  writePidFile(file, 12345);
  t.equal(fs.readFileSync(file, 'latin1'), '12345');
  t.equal(fs.statSync(file).mode & 0o777, 0o644 & ~callerUmask());
  t.same(fs.readdirSync(tmp), ['a.pid'], 'no temp file left');
  writePidFile(file, 1);
  t.equal(fs.readFileSync(file, 'latin1'), '1', 'a shorter pid leaves no trailing digits');
});

t.test('replaced atomically', async (t) => {
  const file = path.join(tmp, 'b.pid');
  fs.writeFileSync(file, '999999');
  const held = fs.openSync(file, 'r');
  const inode = fs.fstatSync(held).ino;
  writePidFile(file, 42);
  t.not(fs.statSync(file).ino, inode, 'renamed over, not rewritten in place');
  t.equal(fs.readFileSync(held, 'latin1'), '999999', 'a reader of the old file never sees a partial one');
  fs.closeSync(held);
  t.equal(fs.readFileSync(file, 'latin1'), '42');
});

t.test('failures leave no temp file and no pid file', async (t) => {
  const dirTarget = path.join(tmp, 'c.pid');
  fs.mkdirSync(path.join(dirTarget, 'x'), { recursive: true });
  t.throws(() => writePidFile(dirTarget, 7), 'cannot rename over a non-empty directory');
  t.same(fs.readdirSync(tmp).filter((f) => f.startsWith('.')), [], 'the temp file is removed');
  t.ok(fs.statSync(dirTarget).isDirectory());

  const missing = path.join(tmp, 'no', 'such', 'dir', 'd.pid');
  t.throws(() => writePidFile(missing, 7), { code: 'ENOENT' });
  t.notOk(fs.existsSync(path.join(tmp, 'no')));
});

t.test('relative and odd names', async (t) => {
  const sub = fs.mkdtempSync(path.join(tmp, 'sub-'));
  const cwd = process.cwd();
  process.chdir(sub);
  try {
    writePidFile('rel.pid', 3);
    writePidFile('with space.pid', 4);
  } finally {
    process.chdir(cwd);
  }
  t.equal(fs.readFileSync(path.join(sub, 'rel.pid'), 'latin1'), '3');
  t.equal(fs.readFileSync(path.join(sub, 'with space.pid'), 'latin1'), '4');
  t.same(fs.readdirSync(sub).sort(), ['rel.pid', 'with space.pid']);
});
