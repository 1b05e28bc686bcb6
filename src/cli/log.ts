// runc-compatible logging. Records go to --log (or stderr without it) as logrus would write them:
// JSON lines {"level","msg","time"} (keys sorted) or `time="..." level=error msg="..."`.
// Errors also go to stderr as plain text when --log is a file (containerd and conmon read stderr).
// Debug records only with --debug; podman reads the log file as one JSON object, so keep it to errors otherwise.
import * as fs from 'node:fs';
import { rfc3339 } from '../util/time';

export type Level = 'error' | 'warning' | 'info' | 'debug';

export interface LogOptions {
  file?: string;
  format: 'text' | 'json';
  debug: boolean;
}

let options: LogOptions = { format: 'text', debug: false };

export function configureLog(o: LogOptions): void {
  options = o;
}

function format(level: Level, msg: string): string {
  const time = rfc3339();
  if (options.format === 'json') return JSON.stringify({ level, msg, time }) + '\n';
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function write(level: Level, msg: string): void {
  if (!options.file) {
    // On a terminal or a caller's pipe, plain text reads best (and is what callers match on).
    process.stderr.write(options.format === 'json' ? format(level, msg) : `${level === 'error' ? '' : `${level}: `}${msg}\n`);
    return;
  }
  const line = format(level, msg);
  try {
    // O_APPEND|O_SYNC, 0644: one record per write, like runc's log file.
    const c = fs.constants;
    const fd = fs.openSync(options.file, c.O_APPEND | c.O_CREAT | c.O_WRONLY | c.O_SYNC, 0o644);
    try {
      fs.writeSync(fd, line);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    process.stderr.write(line);
  }
}

export const log = {
  error(msg: string): void {
    write('error', msg);
    if (options.file) process.stderr.write(msg + '\n');
  },
  warn(msg: string): void {
    write('warning', msg);
  },
  debug(msg: string): void {
    if (options.debug) write('debug', msg);
  },
};
