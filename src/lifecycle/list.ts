// `list`: every container under the root, as a table, JSON, or ids only (contract §2.2).
import * as fs from 'node:fs';
import { readRecord } from '../state/record';
import { HakoError } from '../util/errors';
import { log } from '../cli/log';
import { stateJson } from './common';

/** uid -> user name, from /etc/passwd (read once, on the first call). */
let passwd: Map<string, string> | undefined;

function userName(uid: number): string {
  if (!passwd) {
    passwd = new Map();
    try {
      for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n').reverse()) {
        const [name, , id] = line.split(':');
        if (name && id !== undefined) passwd.set(id, name); // the first entry of a uid wins
      }
    } catch {
      // no passwd file
    }
  }
  return passwd.get(String(uid)) ?? `#${uid}`;
}

/** Go's text/tabwriter with minwidth 12, padding 3, as runc prints the table. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(12, ...rows.map((r) => r[c]!.length + 3)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('')).join('\n') + '\n';
}

export function list(root: string, rootGiven: boolean, format: string, quiet: boolean): string {
  let ids: string[] = [];
  try {
    ids = fs.readdirSync(root).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || rootGiven) throw new HakoError(`list ${root}: ${(err as Error).message}`);
  }
  const states = [];
  for (const id of ids) {
    try {
      const rec = readRecord(root, id);
      if (rec) states.push(stateJson(root, rec, userName(rec.owner)));
    } catch (err) {
      log.error(`load container ${id}: ${(err as Error).message}`);
    }
  }
  if (quiet) return states.map((s) => `${s.id}\n`).join('');
  if (format === 'json') return `${states.length ? JSON.stringify(states) : 'null'}\n`;
  if (format !== 'table') throw new HakoError(`invalid format option: ${format}`);
  return table([['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner])]);
}
