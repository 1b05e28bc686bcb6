// The D-Bus client against a real message bus: a private dbus-daemon started for this test (skipped without one).
import t from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DBusConnection, DBusError, parseBusAddresses } from './connection';
import { busAddresses } from '../systemd1';

t.test('bus addresses', async (t) => {
  t.same(parseBusAddresses('unix:path=/run/dbus/system_bus_socket'), ['/run/dbus/system_bus_socket']);
  t.same(parseBusAddresses('tcp:host=x,port=1;unix:abstract=/tmp/dbus-x,guid=1;unix:path=/a%20b'), ['@/tmp/dbus-x', '/a b']);
  t.same(busAddresses('system', {}), ['/run/dbus/system_bus_socket']);
  t.same(busAddresses('system', { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/x' }), ['/x']);
  t.same(busAddresses('user', { XDG_RUNTIME_DIR: '/run/user/1000' }), ['/run/user/1000/bus']);
  t.same(busAddresses('user', { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/s', XDG_RUNTIME_DIR: '/r' }), ['/s']);
  t.same(busAddresses('user', {}), []);
});

const daemon = ['/usr/bin/dbus-daemon', '/bin/dbus-daemon'].find((p) => fs.existsSync(p));
t.test('calls, errors and signals through a real dbus-daemon', { skip: daemon ? false : 'no dbus-daemon' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-dbus-'));
  const socket = path.join(dir, 'bus');
  fs.writeFileSync(path.join(dir, 'bus.conf'), `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=${socket}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`);
  const bus = child.spawn(daemon!, ['--config-file', path.join(dir, 'bus.conf'), '--nofork'], { stdio: 'ignore' });
  t.teardown(() => {
    bus.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 500 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 10));

  const DBUS = { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus' };
  const c = DBusConnection.open(socket);
  const [id] = c.call({ ...DBUS, member: 'GetId' });
  t.match(id, /^[0-9a-f]{32}$/, 'a method call and its reply (after EXTERNAL authentication and Hello)');
  const [names] = c.call({ ...DBUS, member: 'ListNames' }) as [string[]];
  t.ok(names.includes('org.freedesktop.DBus'), 'an array reply');
  let failure: unknown;
  try {
    c.call({ ...DBUS, member: 'NoSuchMethod' });
  } catch (err) {
    failure = err;
  }
  t.ok(failure instanceof DBusError, 'an error reply throws DBusError');
  t.equal((failure as DBusError).name, 'org.freedesktop.DBus.Error.UnknownMethod');
  c.addMatch("type='signal',interface='org.freedesktop.DBus',member='NameOwnerChanged'");
  t.same(c.call({ ...DBUS, member: 'RequestName', signature: 'su', body: ['org.hako.Test', 0] }), [1], 'primary owner');
  const s = c.waitForSignal((m) => m.member === 'NameOwnerChanged' && m.body[0] === 'org.hako.Test', 'NameOwnerChanged', 5000);
  t.equal(s.body[1], '', 'the signal the bus sent for it');
  t.throws(() => c.waitForSignal(() => false, 'a signal that never comes', 50), /no answer to a signal that never comes/);
  c.close();
  t.throws(() => DBusConnection.open(path.join(dir, 'nothing')), /connect to .*nothing: no such file or directory/);
});
