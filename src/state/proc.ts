// Facts about a process from /proc: its stat fields (status derivation) and its namespace files.
import * as fs from 'node:fs';
import type { LinuxNamespaceType } from '../spec/types';

/** The file name of each namespace type under /proc/PID/ns/. */
export const NS_PROC_NAMES: Record<LinuxNamespaceType, string> = {
  pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time',
};

export interface ProcStat {
  /** One-letter state: R, S, D, Z, T, X, ... */
  state: string;
  ppid: number;
  /** Start time in clock ticks since boot, as a string (field 22). */
  startTime: string;
}

/** Parsed /proc/PID/stat, or null when the process is gone. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // comm (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0]!, ppid: Number(rest[1]), startTime: rest[19]! };
}

/** True while `pid` is the process that started at `startTime` and has not exited (a zombie has exited). */
export function isAlive(pid: number, startTime: string): boolean {
  if (pid <= 0) return false;
  const stat = readProcStat(pid);
  return stat !== null && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}
