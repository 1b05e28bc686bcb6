// Test bundles: a rootfs with busybox (as /bin/sh and friends) and the probe, plus a config.json
// derived from `hako spec` with no terminal. Each bundle lives in its own temp dir, removed by the test.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probePath } from './probe';
import { defaultSpec } from '../../src/lifecycle/default-spec';
import type { Spec } from '../../src/spec/types';

export const BUSYBOX = '/bin/busybox';

let template: string | undefined;

/** A rootfs template built once per test process: /bin/busybox + applet links, /bin/probe, /etc basics. */
function rootfsTemplate(): string {
  if (template) return template;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-rootfs-'));
  fs.chmodSync(dir, 0o755);
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'run', 'var']) fs.mkdirSync(path.join(dir, d));
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'echo', 'cat', 'ls', 'sleep', 'true', 'false', 'id', 'hostname', 'mount', 'env', 'touch', 'mkdir', 'head', 'dd', 'ps', 'kill', 'stat', 'readlink', 'test', 'wc']) {
    fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
  }
  fs.copyFileSync(probePath, path.join(dir, 'bin', 'probe'));
  fs.chmodSync(path.join(dir, 'bin', 'probe'), 0o755);
  fs.writeFileSync(path.join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
  fs.writeFileSync(path.join(dir, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  template = dir;
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The config every test starts from: `hako spec`, no terminal, a writable root, the probe as the process. */
export function baseSpec(args: string[] = ['/bin/probe']): Spec {
  const spec = defaultSpec(false);
  spec.process!.terminal = false;
  spec.process!.args = args;
  spec.root = { path: 'rootfs', readonly: false };
  return spec;
}

export interface Bundle {
  dir: string;
  rootfs: string;
  spec: Spec;
  /** Write spec (or the given raw text) to config.json. */
  write(raw?: string): void;
  remove(): void;
}

export function makeBundle(args?: string[], edit?: (spec: Spec) => void): Bundle {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-bundle-'));
  // Reachable by a container root that a user namespace maps to an unprivileged host uid.
  fs.chmodSync(dir, 0o755);
  const rootfs = path.join(dir, 'rootfs');
  fs.cpSync(rootfsTemplate(), rootfs, { recursive: true, verbatimSymlinks: true });
  const spec = baseSpec(args);
  edit?.(spec);
  const bundle: Bundle = {
    dir, rootfs, spec,
    write(raw?: string) {
      fs.writeFileSync(path.join(dir, 'config.json'), raw ?? JSON.stringify(bundle.spec, null, 2));
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  bundle.write();
  return bundle;
}
