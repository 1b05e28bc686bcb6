import t from 'tap';
import { KNOWN_MOUNT_OPTIONS, parseMountOptions } from './mount-options';
import { MOUNT_ATTR, MS } from './linux';

const SETS: [string, number][] = [
  ['ro', MS.RDONLY], ['nosuid', MS.NOSUID], ['nodev', MS.NODEV], ['noexec', MS.NOEXEC], ['sync', MS.SYNCHRONOUS],
  ['remount', MS.REMOUNT], ['mand', MS.MANDLOCK], ['dirsync', MS.DIRSYNC], ['nosymfollow', MS.NOSYMFOLLOW],
  ['noatime', MS.NOATIME], ['nodiratime', MS.NODIRATIME], ['relatime', MS.RELATIME], ['strictatime', MS.STRICTATIME],
  ['silent', MS.SILENT], ['iversion', MS.I_VERSION], ['lazytime', MS.LAZYTIME],
];
const CLEARS: [string, string][] = [
  ['rw', 'ro'], ['suid', 'nosuid'], ['dev', 'nodev'], ['exec', 'noexec'], ['async', 'sync'], ['nomand', 'mand'],
  ['symfollow', 'nosymfollow'], ['atime', 'noatime'], ['diratime', 'nodiratime'], ['norelatime', 'relatime'],
  ['nostrictatime', 'strictatime'], ['loud', 'silent'], ['noiversion', 'iversion'], ['nolazytime', 'lazytime'],
];

t.test('no options', async (t) => {
  t.same(parseMountOptions(), { flags: 0, bind: false, propagation: [], attrSet: 0, attrClr: 0, data: [], unsupported: [] });
  t.same(parseMountOptions([]), parseMountOptions());
});

t.test('flags that set an MS_ bit', async (t) => {
  for (const [name, flag] of SETS) {
    const o = parseMountOptions([name]);
    t.equal(o.flags, flag, name);
    t.same(o.data, [], `${name} is not fs data`);
    t.equal(o.bind, false, `${name} is not a bind`);
  }
  t.equal(parseMountOptions(['nosuid', 'nodev', 'noexec', 'ro']).flags, MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY);
});

t.test('flags that clear an MS_ bit', async (t) => {
  for (const [clear, set] of CLEARS) {
    const all = SETS.reduce((a, [, f]) => a | f, 0);
    const o = parseMountOptions([...SETS.map(([n]) => n), clear]);
    const bit = SETS.find(([n]) => n === set)![1];
    t.equal(o.flags, all & ~bit, `${clear} clears ${set}`);
    t.equal(parseMountOptions([clear]).flags, 0, `${clear} alone sets nothing`);
    t.same(parseMountOptions([clear]).data, [], `${clear} is not fs data`);
  }
  t.equal(parseMountOptions(['ro', 'nosuid', 'defaults']).flags, MS.RDONLY | MS.NOSUID, 'defaults changes nothing');
  t.same(parseMountOptions(['defaults']).data, []);
});

t.test('later options win', async (t) => {
  t.equal(parseMountOptions(['ro', 'rw']).flags, 0);
  t.equal(parseMountOptions(['rw', 'ro']).flags, MS.RDONLY);
  t.equal(parseMountOptions(['nosuid', 'suid', 'nosuid']).flags, MS.NOSUID);
  t.equal(parseMountOptions(['exec', 'noexec', 'dev']).flags, MS.NOEXEC);
  const r1 = parseMountOptions(['rro', 'rrw']);
  t.equal(r1.attrSet, 0);
  t.equal(r1.attrClr, MOUNT_ATTR.RDONLY);
  const r2 = parseMountOptions(['rrw', 'rro']);
  t.equal(r2.attrSet, MOUNT_ATTR.RDONLY);
  t.equal(r2.attrClr, 0);
});

t.test('bind and rbind', async (t) => {
  const b = parseMountOptions(['bind']);
  t.equal(b.flags, MS.BIND);
  t.equal(b.bind, true);
  const rb = parseMountOptions(['rbind', 'ro']);
  t.equal(rb.flags, MS.BIND | MS.REC | MS.RDONLY);
  t.equal(rb.bind, true);
  t.equal(parseMountOptions(['rbind', 'bind']).flags, MS.BIND | MS.REC, 'bind after rbind keeps MS_REC (bits are ORed)');
  t.equal(parseMountOptions(['nosuid']).bind, false);
});

t.test('propagation, plain and recursive, in order', async (t) => {
  const cases: [string, number][] = [
    ['private', MS.PRIVATE], ['rprivate', MS.PRIVATE | MS.REC], ['shared', MS.SHARED], ['rshared', MS.SHARED | MS.REC],
    ['slave', MS.SLAVE], ['rslave', MS.SLAVE | MS.REC], ['unbindable', MS.UNBINDABLE], ['runbindable', MS.UNBINDABLE | MS.REC],
  ];
  for (const [name, flags] of cases) {
    const o = parseMountOptions([name]);
    t.same(o.propagation, [flags], name);
    t.equal(o.flags, 0, `${name} is not a mount flag`);
    t.same(o.data, [], `${name} is not fs data`);
  }
  t.same(parseMountOptions(['rbind', 'rslave', 'private', 'rshared']).propagation,
    [MS.SLAVE | MS.REC, MS.PRIVATE, MS.SHARED | MS.REC], 'every propagation option is kept, in order');
});

t.test('recursive attributes', async (t) => {
  const cases: [string, string, number][] = [
    ['rro', 'rrw', MOUNT_ATTR.RDONLY], ['rnosuid', 'rsuid', MOUNT_ATTR.NOSUID], ['rnodev', 'rdev', MOUNT_ATTR.NODEV],
    ['rnoexec', 'rexec', MOUNT_ATTR.NOEXEC], ['rnodiratime', 'rdiratime', MOUNT_ATTR.NODIRATIME],
    ['rnosymfollow', 'rsymfollow', MOUNT_ATTR.NOSYMFOLLOW],
  ];
  for (const [set, clear, attr] of cases) {
    const s = parseMountOptions([set]);
    t.equal(s.attrSet, attr, `${set} sets`);
    t.equal(s.attrClr, 0, `${set} clears nothing`);
    t.equal(s.flags, 0, `${set} is not an MS_ flag`);
    const c = parseMountOptions([clear]);
    t.equal(c.attrSet, 0, `${clear} sets nothing`);
    t.equal(c.attrClr, attr, `${clear} clears`);
  }
  const all = parseMountOptions(['rro', 'rnosuid', 'rnodev', 'rnoexec']);
  t.equal(all.attrSet, MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC);
  t.equal(all.attrClr, 0);
  const mixed = parseMountOptions(['rro', 'rnosuid', 'rsuid', 'rdev']);
  t.equal(mixed.attrSet, MOUNT_ATTR.RDONLY);
  t.equal(mixed.attrClr, MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV);
});

t.test('recursive atime modes', async (t) => {
  const cases: [string, number][] = [
    ['rrelatime', MOUNT_ATTR.RELATIME], ['rnoatime', MOUNT_ATTR.NOATIME], ['rstrictatime', MOUNT_ATTR.STRICTATIME],
  ];
  for (const [name, mode] of cases) {
    const o = parseMountOptions([name]);
    // mount_setattr(2): an atime mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr.
    t.equal(o.attrClr, MOUNT_ATTR._ATIME, `${name} clears the atime field`);
    t.equal(o.attrSet, mode, `${name} sets its mode`);
  }
  const last = parseMountOptions(['rnoatime', 'rstrictatime']);
  t.equal(last.attrSet, MOUNT_ATTR.STRICTATIME, 'one atime mode: the last wins');
  t.equal(last.attrClr, MOUNT_ATTR._ATIME);
  const rel = parseMountOptions(['rnoatime', 'rrelatime']);
  t.equal(rel.attrSet & MOUNT_ATTR._ATIME, 0, 'rrelatime (0) replaces noatime');
  const withOthers = parseMountOptions(['rro', 'rnoatime', 'rnodiratime']);
  t.equal(withOthers.attrSet, MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOATIME | MOUNT_ATTR.NODIRATIME);
  t.equal(withOthers.attrClr, MOUNT_ATTR._ATIME);
  t.equal(parseMountOptions(['rnoatime']).flags, 0, 'not an MS_ flag');
});

t.test('filesystem data passes through in order', async (t) => {
  const o = parseMountOptions(['nosuid', 'mode=755', 'size=65536k', 'ro', 'newinstance', 'gid=5', 'acl']);
  t.same(o.data, ['mode=755', 'size=65536k', 'newinstance', 'gid=5']);
  t.equal(o.flags, MS.NOSUID | MS.RDONLY | MS.POSIXACL, 'acl is MS_POSIXACL, as in runc');
  t.same(parseMountOptions(['lowerdir=/a:/b', 'upperdir=/u', 'workdir=/w']).data, ['lowerdir=/a:/b', 'upperdir=/u', 'workdir=/w']);
  t.same(parseMountOptions(['RO']).data, ['RO'], 'option names are case-sensitive');
});

t.test('recognised but unsupported options', async (t) => {
  const names = ['tmpcopyup', 'copy-symlink', 'src-nofollow', 'dest-nofollow'];
  const o = parseMountOptions(['ro', ...names, 'mode=1']);
  t.same(o.unsupported, names);
  t.same(o.data, ['mode=1'], 'not passed to the filesystem');
  t.equal(o.flags, MS.RDONLY);
  t.equal(o.attrSet, 0);
  t.equal(o.attrClr, 0);
});

t.test('idmap and ridmap mark an idmapped mount', async (t) => {
  t.equal(parseMountOptions(['bind', 'idmap']).idmap, 'idmap');
  t.equal(parseMountOptions(['rbind', 'ridmap']).idmap, 'ridmap');
  t.equal(parseMountOptions(['ridmap', 'idmap']).idmap, 'ridmap', 'ridmap wins');
  t.equal(parseMountOptions(['bind']).idmap, undefined);
  t.same(parseMountOptions(['idmap']).data, [], 'not passed to the filesystem');
});

t.test('the "no" forms of the recursive atime options pick a mode', async (t) => {
  for (const [name, mode] of [['ratime', MOUNT_ATTR.RELATIME], ['rnostrictatime', MOUNT_ATTR.RELATIME], ['rnorelatime', MOUNT_ATTR.STRICTATIME]] as const) {
    const o = parseMountOptions([name]);
    t.equal(o.attrClr, MOUNT_ATTR._ATIME, `${name} replaces the atime field`);
    t.equal(o.attrSet, mode, name);
  }
});

t.test('KNOWN_MOUNT_OPTIONS', async (t) => {
  t.same(KNOWN_MOUNT_OPTIONS, [...KNOWN_MOUNT_OPTIONS].sort(), 'sorted');
  t.equal(new Set(KNOWN_MOUNT_OPTIONS).size, KNOWN_MOUNT_OPTIONS.length, 'no duplicates');
  for (const name of ['rro', 'rbind', 'bind', 'ro', 'rw', 'defaults', 'rslave', 'private', 'rnoatime', 'rrelatime', 'rstrictatime',
    ...SETS.map(([n]) => n), ...CLEARS.map(([n]) => n)]) {
    t.ok(KNOWN_MOUNT_OPTIONS.includes(name), `lists ${name}`);
  }
  for (const name of ['tmpcopyup', 'mode=755']) {
    t.notOk(KNOWN_MOUNT_OPTIONS.includes(name), `does not list ${name}`);
  }
  // Everything listed is interpreted, not passed to the filesystem or refused.
  for (const name of KNOWN_MOUNT_OPTIONS) {
    const o = parseMountOptions([name]);
    t.same([o.data, o.unsupported], [[], []], `${name} is interpreted`);
  }
});
