import t from 'tap';
import { annotatedProperties, parseGVariant } from './annotations';

t.test('GVariant text values', async (t) => {
  t.same(parseGVariant('uint64 123'), { signature: 't', value: 123n });
  t.same(parseGVariant("'inactive-or-failed'"), { signature: 's', value: 'inactive-or-failed' });
  t.same(parseGVariant('"it\\\'s \\u00e9"'), { signature: 's', value: "it's é" });
  t.same(parseGVariant('true'), { signature: 'b', value: true });
  t.same(parseGVariant(' 42 '), { signature: 'i', value: 42 });
  t.same(parseGVariant('-7'), { signature: 'i', value: -7 });
  t.same(parseGVariant('1.5'), { signature: 'd', value: 1.5 });
  t.same(parseGVariant('int64 -5'), { signature: 'x', value: -5n });
  t.same(parseGVariant('@t 18446744073709551615'), { signature: 't', value: 18446744073709551615n });
  t.same(parseGVariant("['a', 'b']"), { signature: 'as', value: ['a', 'b'] });
  t.same(parseGVariant('@as []'), { signature: 'as', value: [] });
  t.same(parseGVariant('[uint32 1, 2]'), { signature: 'au', value: [1, 2] });
  t.same(parseGVariant("[('/dev/null', 'rw')]"), { signature: 'a(ss)', value: [['/dev/null', 'rw']] });
  t.same(parseGVariant('<uint16 3>'), { signature: 'v', value: { signature: 'q', value: 3 } });
  for (const bad of ['', 'uint64', 'uint64 -1', 'byte 256', '[]', "'open", 'foo', "['a', 2]", '1 2', '@x 1.5', 'uint64 0x']) {
    t.throws(() => parseGVariant(bad), bad);
  }
});

t.test('org.systemd.property.* annotations become unit properties', async (t) => {
  const props = annotatedProperties({
    'org.systemd.property.TimeoutStopUSec': 'uint64 123456789',
    'org.systemd.property.CollectMode': "'inactive-or-failed'",
    'org.systemd.property.RuntimeMaxSec': 'uint64 5',
    'org.systemd.property.TimeoutStopSec': '2.5',
    'io.other': 'ignored',
  });
  t.same(props, [
    { name: 'CollectMode', value: { signature: 's', value: 'inactive-or-failed' }, annotation: 'org.systemd.property.CollectMode' },
    { name: 'RuntimeMaxUSec', value: { signature: 't', value: 5_000_000n }, annotation: 'org.systemd.property.RuntimeMaxSec' },
    { name: 'TimeoutStopUSec', value: { signature: 't', value: 2_500_000n }, annotation: 'org.systemd.property.TimeoutStopSec' },
    { name: 'TimeoutStopUSec', value: { signature: 't', value: 123456789n }, annotation: 'org.systemd.property.TimeoutStopUSec' },
  ]);
  t.same(annotatedProperties(undefined), []);
});

t.test('bad annotations name themselves', async (t) => {
  t.throws(() => annotatedProperties({ 'org.systemd.property.Ab': '1' }), { message: /^\/annotations\/org.systemd.property.Ab: invalid systemd property name "Ab"/ });
  t.throws(() => annotatedProperties({ 'org.systemd.property.Foo-Bar': '1' }), /invalid systemd property name/);
  t.throws(() => annotatedProperties({ 'org.systemd.property.CPUWeight': 'uint64 x' }),
    /^\/annotations\/org.systemd.property.CPUWeight: value "uint64 x" is not in the GVariant text format/);
  t.throws(() => annotatedProperties({ 'org.systemd.property.Slice': "'other.slice'" }), /Slice is set by hako/);
  t.throws(() => annotatedProperties({ 'org.systemd.property.PIDs': '[uint32 1]' }), /PIDs is set by hako/);
  t.throws(() => annotatedProperties({ 'org.systemd.property.TimeoutStopSec': "'x'" }), /takes a number of seconds/);
});
