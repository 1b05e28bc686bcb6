import t from 'tap';
import { decodeMessage, encodeMessage, messageLength, MessageType, splitSignature, variant } from './wire';

t.test('signatures split into complete types', async (t) => {
  t.same(splitSignature('ssa(sv)a(sa(sv))'), ['s', 's', 'a(sv)', 'a(sa(sv))']);
  t.same(splitSignature('a{sv}uo'), ['a{sv}', 'u', 'o']);
  for (const bad of ['a', '(', '()', 'z', 'a(s']) t.throws(() => splitSignature(bad), bad);
});

t.test('a method call marshals byte for byte as the spec lays it out', async (t) => {
  const m = encodeMessage({
    type: MessageType.MethodCall, serial: 7, path: '/o', member: 'M', signature: 'sy', body: ['ab', 5],
  });
  const hex = m.toString('hex');
  // l, method call, flags 0, version 1; body length 8 (4+2+1 NUL, then the byte); serial 7
  t.equal(hex.slice(0, 24), '6c01000108000000' + '07000000');
  t.equal(m.length % 8, (16 + m.readUInt32LE(12) + 8) % 8 === 0 ? 0 : m.length % 8);
  t.equal(messageLength(m), m.length);
  t.same(m.subarray(m.length - 8), Buffer.from([2, 0, 0, 0, 0x61, 0x62, 0, 5]));
});

t.test('round trip of every type systemd calls use', async (t) => {
  const body = [
    'hako-x.scope', 'fail',
    [['Slice', variant('s', 'system.slice')], ['PIDs', variant('au', [1, 4294967295])], ['Delegate', variant('b', true)],
      ['MemoryMax', variant('t', (1n << 64n) - 1n)], ['AllowedCPUs', variant('ay', [3, 0, 128])],
      ['DeviceAllow', variant('a(ss)', [['/dev/null', 'rwm'], ['char-*', 'm']])], ['Empty', variant('a(st)', [])],
      ['Nested', variant('v', variant('x', -5))], ['D', variant('d', 1.5)], ['N', variant('n', -2)], ['Q', variant('q', 65535)]],
    [],
  ];
  const m = encodeMessage({ type: MessageType.MethodCall, serial: 1, destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1',
    interface: 'org.freedesktop.systemd1.Manager', member: 'StartTransientUnit', signature: 'ssa(sv)a(sa(sv))', body });
  const d = decodeMessage(m);
  t.equal(d.member, 'StartTransientUnit');
  t.equal(d.destination, 'org.freedesktop.systemd1');
  t.equal(d.signature, 'ssa(sv)a(sa(sv))');
  t.same(d.body[2], [
    ['Slice', variant('s', 'system.slice')], ['PIDs', variant('au', [1, 4294967295])], ['Delegate', variant('b', true)],
    ['MemoryMax', variant('t', (1n << 64n) - 1n)], ['AllowedCPUs', variant('ay', [3, 0, 128])],
    ['DeviceAllow', variant('a(ss)', [['/dev/null', 'rwm'], ['char-*', 'm']])], ['Empty', variant('a(st)', [])],
    ['Nested', variant('v', variant('x', -5))], ['D', variant('d', 1.5)], ['N', variant('n', -2)], ['Q', variant('q', 65535)],
  ]);
  t.same(d.body[3], []);
});

t.test('a JobRemoved signal as systemd sends it', async (t) => {
  const sig = encodeMessage({ type: MessageType.Signal, serial: 9, sender: ':1.0', path: '/org/freedesktop/systemd1',
    interface: 'org.freedesktop.systemd1.Manager', member: 'JobRemoved', signature: 'uoss', body: [81, '/org/freedesktop/systemd1/job/81', 'x.scope', 'done'] });
  const d = decodeMessage(sig);
  t.equal(d.type, MessageType.Signal);
  t.same(d.body, [81, '/org/freedesktop/systemd1/job/81', 'x.scope', 'done']);
  t.throws(() => decodeMessage(sig.subarray(0, sig.length - 1)), /truncated/);
});

t.test('values the types cannot hold are refused before anything is sent', async (t) => {
  const call = (signature: string, v: unknown) => () => encodeMessage({ type: MessageType.MethodCall, serial: 1, path: '/', member: 'M', signature, body: [v] });
  t.throws(call('y', 256), /out of range/);
  t.throws(call('t', -1), /out of range/);
  t.throws(call('u', 1.5), /expected an integer/);
  t.throws(call('s', 'a\0b'), /NUL/);
  t.throws(call('b', 1), /boolean/);
  t.throws(call('v', variant('ss', ['a', 'b'])), /one complete type/);
  t.throws(call('(ss)', ['a']), /2 members/);
});
