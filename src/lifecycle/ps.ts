// `ps`: the processes of a container (contract §2.3). `--format json` prints every pid in the container's
// cgroups (sub-cgroups included, in our pid namespace) as a JSON array, or `null` when there are none.
// `--format table` runs the host's `ps` with the given arguments (default -ef), prints its header and the
// lines whose PID column is one of the container's pids, as runc does.
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HakoError } from '../util/errors';
import { cgroupManager, loadContainer } from './common';

/** `ps` through $PATH, or the usual places when there is no PATH (podman runs some commands without one). */
function findPs(): string {
  for (const dir of (process.env.PATH || '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, 'ps');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new HakoError('ps: executable file not found in $PATH');
}

/** The header and the lines of `ps` output whose PID column is in `pids`. */
export function filterPsOutput(output: string, pids: ReadonlySet<number>): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const pidIndex = header.trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new HakoError("couldn't find PID field in ps output");
  const out = [header];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const field = line.trim().split(/\s+/)[pidIndex] ?? '';
    if (!/^\d+$/.test(field)) throw new HakoError(`unable to parse pid: ${JSON.stringify(field)}`);
    if (pids.has(Number(field))) out.push(line);
  }
  return out.join('\n') + '\n';
}

export function ps(root: string, id: string | undefined, format: string, psArgs: string[]): string {
  if (format !== 'table' && format !== 'json') throw new HakoError(`invalid format option: ${format}`);
  const rec = loadContainer(root, id);
  const cg = cgroupManager(rec);
  const pids = cg ? cg.pids() : [];
  if (format === 'json') return JSON.stringify(pids.length ? pids : null) + '\n';
  const r = child.spawnSync(findPs(), psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new HakoError(`ps: ${r.error.message}`);
  if (r.status !== 0) throw new HakoError(`ps: exit status ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`.trim());
  return filterPsOutput(r.stdout, new Set(pids));
}
