import t from 'tap';
import * as fs from 'node:fs';
import { errnoMessage, errnoName, HakoError, hasCode, nodeErrno, SysError } from './errors';

t.test('HakoError', async (t) => {
  const e = new HakoError('container does not exist: x');
  t.type(e, Error);
  t.equal(e.message, 'container does not exist: x');
  t.equal(e.name, 'HakoError');
  t.equal(e.exitCode, 1);
  t.equal(new HakoError('exec failed', 255).exitCode, 255);
});

t.test('errno texts are the phrases podman matches', async (t) => {
  t.equal(errnoMessage(1), 'operation not permitted');
  t.equal(errnoMessage(-1), 'operation not permitted', 'sign does not matter');
  t.equal(errnoMessage(2), 'no such file or directory');
  t.equal(errnoMessage(13), 'permission denied');
  t.equal(errnoMessage(99999), 'errno 99999');
  t.equal(errnoMessage(21), 'is a directory', 'glibc\'s wording where libuv\'s differs, as runc prints');
  t.equal(errnoMessage(40), 'too many levels of symbolic links');
  t.equal(errnoMessage(16), 'device or resource busy');
  t.equal(errnoName(2), 'ENOENT');
  t.equal(errnoName(-17), 'EEXIST');
  t.equal(errnoName(99999), 'errno 99999');
});

t.test('SysError', async (t) => {
  const e = new SysError('/mounts/3 (/dev/shm): mount tmpfs', 1);
  t.type(e, HakoError);
  t.equal(e.message, '/mounts/3 (/dev/shm): mount tmpfs: operation not permitted');
  t.equal(e.what, '/mounts/3 (/dev/shm): mount tmpfs');
  t.equal(e.errno, 1);
  t.equal(e.name, 'SysError');
  t.equal(e.exitCode, 1);
});

t.test('nodeErrno and hasCode', async (t) => {
  let err: unknown;
  try {
    fs.readFileSync('/nonexistent/hako/file');
  } catch (e) {
    err = e;
  }
  t.equal(nodeErrno(err), 2, 'positive, from Node\'s negative errno');
  t.ok(hasCode(err, 'ENOENT'));
  t.notOk(hasCode(err, 'EEXIST'));
  t.equal(nodeErrno(new Error('x')), undefined);
  t.equal(nodeErrno(undefined), undefined);
  t.equal(nodeErrno(null), undefined);
  t.notOk(hasCode(undefined, 'ENOENT'));
  t.notOk(hasCode('ENOENT', 'ENOENT'));
});
