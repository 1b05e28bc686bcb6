import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { containerDir, fifoPath, readRecord, validId, writeRecord, type ContainerRecord } from './record';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-record-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

function record(id: string, over: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    version: 1, id, bundle: '/b', rootfs: '/b/rootfs', created: '2026-11-22T18:16:00.123456789Z', pid: 4242, pidStartTime: '987654',
    config: { ociVersion: '1.3.0', process: { cwd: '/', args: ['sh'] }, annotations: { 'a/b': 'ü' } },
    cgroup: { driver: 'cgroupfs', mode: 'v2', paths: { '': '/sys/fs/cgroup/hako/x' }, created: ['/sys/fs/cgroup/hako/x'] },
    namespaces: { pid: '/proc/4242/ns/pid' }, ownPidNamespace: true, owner: 0,
    ...over,
  };
}

t.test('validId: runc\'s rules', async (t) => {
  for (const id of ['a', 'Z', '0', 'abc-DEF_123+x.y', '...', '.a', 'a.', '-', '+', 'x'.repeat(1024), 'f'.repeat(64)]) {
    t.ok(validId(id), JSON.stringify(id));
  }
  for (const id of ['', '.', '..', 'a/b', '/a', 'a b', 'a\0', 'é', 'a:b', 'a\n', '../x', 'x'.repeat(1025), '*', 'a@b']) {
    t.notOk(validId(id), JSON.stringify(id));
  }
});

t.test('paths under the root', async (t) => {
  t.equal(containerDir('/run/hako', 'c1'), '/run/hako/c1');
  t.equal(fifoPath('/run/hako', 'c1'), '/run/hako/c1/exec.fifo');
});

t.test('write then read: the same record', async (t) => {
  const root = path.join(tmp, 'r1');
  fs.mkdirSync(containerDir(root, 'c1'), { recursive: true });
  const rec = record('c1');
  writeRecord(root, rec);
  t.same(readRecord(root, 'c1'), rec);
  const file = path.join(root, 'c1', 'state.json');
  t.equal(fs.statSync(file).mode & 0o777, 0o600, 'private: it holds the whole config');
  t.same(fs.readdirSync(path.join(root, 'c1')), ['state.json'], 'no temp file left');
});

t.test('rewrites replace the file by rename (readers see the old or the new record, never a mix)', async (t) => {
  const root = path.join(tmp, 'r2');
  fs.mkdirSync(containerDir(root, 'c2'), { recursive: true });
  writeRecord(root, record('c2'));
  const file = path.join(root, 'c2', 'state.json');
  const held = fs.openSync(file, 'r');
  const inode = fs.fstatSync(held).ino;
  writeRecord(root, record('c2', { pid: 7, config: { ociVersion: '1.3.0', annotations: { big: 'x'.repeat(100_000) } } }));
  t.not(fs.statSync(file).ino, inode, 'a new inode');
  const old = JSON.parse(fs.readFileSync(held, 'utf8')) as ContainerRecord;
  fs.closeSync(held);
  t.equal(old.pid, 4242, 'an open reader still has the complete old record');
  t.equal(readRecord(root, 'c2')!.pid, 7);
  t.same(fs.readdirSync(path.join(root, 'c2')), ['state.json']);
});

t.test('missing records are null', async (t) => {
  const root = path.join(tmp, 'r3');
  t.equal(readRecord(root, 'x'), null, 'no root');
  fs.mkdirSync(path.join(root, 'empty'), { recursive: true });
  t.equal(readRecord(root, 'empty'), null, 'a directory without state.json (create did not finish)');
  t.equal(readRecord(root, 'nope'), null, 'unknown id');
  fs.writeFileSync(path.join(root, 'file'), '');
  t.equal(readRecord(root, 'file'), null, 'the id names a file: ENOTDIR');
});

t.test('errors that are not "missing" are thrown', async (t) => {
  const root = path.join(tmp, 'r4');
  fs.mkdirSync(path.join(root, 'bad'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bad', 'state.json'), '{"version":1,');
  t.throws(() => readRecord(root, 'bad'), SyntaxError, 'a corrupt record');
  fs.mkdirSync(path.join(root, 'dir', 'state.json'), { recursive: true });
  t.throws(() => readRecord(root, 'dir'), { code: 'EISDIR' });
});

t.test('a failed write leaves nothing behind', async (t) => {
  const root = path.join(tmp, 'r5');
  t.throws(() => writeRecord(root, record('nodir')), { code: 'ENOENT' }, 'the container directory must exist');
  t.notOk(fs.existsSync(root));
  fs.mkdirSync(path.join(root, 'c5', 'state.json'), { recursive: true });
  t.throws(() => writeRecord(root, record('c5')));
  t.same(fs.readdirSync(path.join(root, 'c5')), ['state.json'], 'the temp file is removed when the rename fails');
});
