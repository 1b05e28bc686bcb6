// Which D-Bus client for the systemd driver: start-up cost and call latency of three candidates, each in fresh
// node processes (a hako command is one short process). Not a test.
//   node conformance/bench-dbus.mjs [unix:path=SOCKET]   (default: the system bus)
// Candidates: hako's own synchronous client (build/js/cgroups/systemd/dbus), libsystemd's sd-bus through koffi
// (crun's choice), and dbus-next (a JavaScript client, async; found through DBUS_NEXT_DIR, skipped if absent).
// Each run: load the module, connect + authenticate + Hello, one GetId call (start-up), then 200 calls (latency);
// for the koffi-based ones also with koffi already loaded (as in `create`, which loads it for its own native code).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const address = process.argv[2] ?? 'unix:path=/run/dbus/system_bus_socket';
const runs = Number(process.env.RUNS ?? 15);
const CALLS = 200;

const clients = {
  hako: `
    const t0 = performance.now();
    const { DBusConnection, parseBusAddresses } = require(${JSON.stringify(path.join(root, 'build/js/cgroups/systemd/dbus/connection.js'))});
    const t1 = performance.now();
    const c = DBusConnection.open(parseBusAddresses(ADDRESS)[0]);
    const call = () => c.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'GetId' });
    call();
    const t2 = performance.now();
    for (let i = 0; i < CALLS; i++) call();
    report(t0, t1, t2, performance.now());`,
  'sd-bus (koffi)': `
    const t0 = performance.now();
    const koffi = require(${JSON.stringify(path.join(root, 'node_modules/koffi'))});
    const sd = koffi.load('libsystemd.so.0');
    const open = sd.func('int sd_bus_open_system(_Out_ void **bus)');
    const callMethod = sd.func('int sd_bus_call_method(void *bus, const char *dest, const char *path, const char *iface, const char *member, void *error, _Out_ void **reply, const char *types, ...)');
    const unref = sd.func('void *sd_bus_message_unref(void *m)');
    const read = sd.func('int sd_bus_message_read(void *m, const char *types, ...)');
    const t1 = performance.now();
    process.env.DBUS_SYSTEM_BUS_ADDRESS = ADDRESS;
    const bus = [null];
    if (open(bus) < 0) throw new Error('sd_bus_open_system failed');
    const err = Buffer.alloc(32);
    const call = () => {
      const reply = [null];
      const r = callMethod(bus[0], 'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'GetId', err, reply, '');
      if (r < 0) throw new Error('sd_bus_call_method: ' + r);
      const s = [null];
      read(reply[0], 's', 'char **', s);
      unref(reply[0]);
      return s[0];
    };
    call();
    const t2 = performance.now();
    for (let i = 0; i < CALLS; i++) call();
    report(t0, t1, t2, performance.now());`,
  'dbus-next': process.env.DBUS_NEXT_DIR && `
    (async () => {
      const t0 = performance.now();
      const dbus = require(${JSON.stringify(path.join(process.env.DBUS_NEXT_DIR ?? '', 'node_modules/dbus-next'))});
      const t1 = performance.now();
      process.env.DBUS_SYSTEM_BUS_ADDRESS = ADDRESS;
      const bus = dbus.systemBus();
      const call = () => bus.call(new dbus.Message({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'GetId' }));
      await call();
      const t2 = performance.now();
      for (let i = 0; i < CALLS; i++) await call();
      report(t0, t1, t2, performance.now());
      bus.disconnect();
    })();`,
};

const preloadKoffi = `require(${JSON.stringify(path.join(root, 'node_modules/koffi'))});`;
const prelude = `
  const ADDRESS = ${JSON.stringify(address)}, CALLS = ${CALLS};
  function report(t0, t1, t2, t3) { console.log(JSON.stringify({ load: t1 - t0, connect: t2 - t1, call: (t3 - t2) / CALLS })); }`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`bus ${address}, ${runs} fresh processes per client, median; "first call" = connect + authenticate + Hello + GetId`);
console.log('client                          module load   first call   module+first   per call (x200)   process wall');
const cases = Object.entries(clients).flatMap(([name, code]) => (name === 'dbus-next' ? [[name, code]]
  : [[name, code], [`${name}, koffi loaded`, code && preloadKoffi + code]]));
for (const [name, code] of cases) {
  if (!code) {
    console.log(`${name.padEnd(31)} (skipped: set DBUS_NEXT_DIR to a directory with node_modules/dbus-next)`);
    continue;
  }
  const rows = [];
  const walls = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, ['-e', prelude + code], { encoding: 'utf8' });
    walls.push(performance.now() - started);
    if (r.status !== 0) {
      console.log(`${name}: failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      break;
    }
    rows.push(JSON.parse(r.stdout));
  }
  if (rows.length !== runs) continue;
  const m = (k) => median(rows.map((r) => r[k]));
  const f = (v) => `${v.toFixed(2)} ms`.padStart(10);
  console.log(`${name.padEnd(31)} ${f(m('load'))}   ${f(m('connect'))}   ${f(median(rows.map((r) => r.load + r.connect)))}   ${f(m('call'))}        ${f(median(walls))}`);
}
