// Launching hako-init with a plan and talking to it over the sync socket (architecture §4).
// The init (and, after FORK, the container process) sends SYNC/CHILD_PID/ERROR messages; we answer OK.
import * as fs from 'node:fs';
import * as native from '../host/native';
import { encodePlan } from '../plan/encode';
import { MSG_ABORT, MSG_CHILD_PID, MSG_ERROR, MSG_OK, MSG_SECCOMP_LISTENER, MSG_SYNC } from '../plan/ops.generated';
import type { Plan } from '../plan/program';
import { HakoError, errnoMessage } from '../util/errors';
import { buildPath } from '../util/paths';

const HEADER = 16;

interface InitMessage {
  type: number;
  op: number;
  err: number;
  arg: number;
  text: string;
  fds: number[];
}

/** fd numbers inside the init: base = 3 + preserved fds; base..base+2 are the init's own. */
export function fdLayout(preserveFds: number): { base: number; extra: (i: number) => number } {
  const base = 3 + preserveFds;
  return { base, extra: (i) => base + 3 + i };
}

export class InitSession {
  /** The pid hako-init was started as (the intermediate process until FORK). */
  readonly initPid: number;
  /** The container process, once FORK reported it. */
  childPid = 0;
  private sock: number;
  private intermediateReaped = false;

  /** Start hako-init with the plan. extraFds land at fdLayout(preserveFds).extra(i) in order. `stdio`: the fds that
   * become its 0, 1 and 2 (with a terminal, /dev/null: the caller's stdio must not reach the container). */
  constructor(private readonly plan: Plan, extraFds: number[], preserveFds: number, stdio: number[] = [0, 1, 2]) {
    const { base, extra } = fdLayout(preserveFds);
    const planFd = native.sealedMemfd('hako-plan', encodePlan(plan));
    let exeFd = -1;
    let pair: [number, number] | undefined;
    try {
      exeFd = native.sealedCopy(buildPath('native', 'hako-init'), 'hako-init');
      pair = native.socketpairSeqpacket();
      const map: native.FdMapping[] = stdio.map((src, dst) => ({ src, dst }));
      for (let fd = 3; fd < base; fd++) map.push({ src: fd, dst: fd });
      map.push({ src: pair[1], dst: base }, { src: planFd, dst: base + 1 }, { src: exeFd, dst: base + 2, cloexec: true });
      extraFds.forEach((src, i) => map.push({ src, dst: extra(i) }));
      this.initPid = native.spawn(base + 2, map, ['hako-init', String(base)], [], pair[1]).pid;
    } finally {
      for (const fd of [planFd, exeFd, pair?.[1] ?? -1]) if (fd >= 0) fs.closeSync(fd);
    }
    this.sock = pair[0];
  }

  /**
   * The next message that is not CHILD_PID (CHILD_PID is recorded and answered on the way), or null at EOF.
   * Throws a HakoError naming the config field when the init reports a failure. Only the seccomp listener
   * message keeps the fds passed with it.
   */
  private next(): InitMessage | null {
    for (;;) {
      const got = native.receiveMessage(this.sock, -1);
      if (!got) return null;
      const d = got.data;
      const m: InitMessage = {
        type: d.readUInt32LE(0), op: d.readInt32LE(4), err: d.readInt32LE(8), arg: d.readUInt32LE(12),
        text: d.subarray(HEADER).toString('utf8'), fds: got.fds,
      };
      if (m.type !== MSG_SECCOMP_LISTENER) for (const fd of m.fds.splice(0)) fs.closeSync(fd);
      if (m.type === MSG_ERROR) throw new HakoError(this.describeError(m));
      if (m.type !== MSG_CHILD_PID) return m;
      this.childPid = m.arg;
      this.reapIntermediate();
      this.ok();
    }
  }

  private unexpected(m: InitMessage | null, expected: string): HakoError {
    if (!m) return new HakoError(`container init exited unexpectedly${this.exitDescription()}`);
    for (const fd of m.fds) fs.closeSync(fd);
    return new HakoError(`container init: unexpected message ${m.type}/${m.arg} (expected ${expected})`);
  }

  /** Wait for a SYNC of the given kind; returns the text it carries (HOOK_STATE: the status asked for). */
  expectSync(kind: number): string {
    const m = this.next();
    if (m?.type === MSG_SYNC && m.arg === kind) return m.text;
    throw this.unexpected(m, `sync ${kind}`);
  }

  /** Wait for the seccomp listener fd (op SECCOMP with a listener); the caller owns and closes it. */
  expectSeccompListener(): number {
    const m = this.next();
    if (m?.type === MSG_SECCOMP_LISTENER && m.fds.length === 1) return m.fds[0]!;
    throw this.unexpected(m, 'the seccomp listener');
  }

  /** Wait until the process has exec'd: the sync socket is close-on-exec, so EOF means EXEC succeeded (after
   * FORK, when CHILD_PID was reported). A failure before that throws, as every op failure does. */
  expectExec(): void {
    const m = this.next();
    if (!m && this.childPid) return;
    throw this.unexpected(m, 'exec');
  }

  ok(): void {
    native.sendMessage(this.sock, header(MSG_OK));
  }

  /** OK with a payload (HOOK_STATE: the state JSON). */
  okWith(text: string): void {
    native.sendMessage(this.sock, Buffer.concat([header(MSG_OK), Buffer.from(text, 'utf8')]));
  }

  /** Done talking: the init goes on alone (waiting for `start`). */
  close(): void {
    if (this.sock >= 0) fs.closeSync(this.sock);
    this.sock = -1;
  }

  /** Undo: stop the init and the container process, reap what is ours to reap. */
  abort(): void {
    if (this.sock >= 0) {
      try {
        native.sendMessage(this.sock, header(MSG_ABORT));
      } catch {
        // already gone
      }
      this.close();
    }
    for (const pid of [this.childPid, this.intermediateReaped ? 0 : this.initPid]) {
      if (pid <= 0) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      try {
        native.waitpid(pid);
      } catch {
        // not our child any more
      }
    }
    this.intermediateReaped = true;
  }

  private reapIntermediate(): void {
    const { status } = native.waitpid(this.initPid);
    this.intermediateReaped = true;
    if (status !== 0) throw new HakoError(`container init failed after fork (wait status ${status})`);
  }

  private exitDescription(): string {
    if (this.intermediateReaped && !this.childPid) return '';
    const pid = this.childPid || this.initPid;
    try {
      const { pid: done, status } = native.waitpid(pid, native.WNOHANG);
      if (done === 0) return '';
      if (pid === this.initPid) this.intermediateReaped = true;
      if (pid === this.childPid) this.childPid = 0;
      return (status & 0x7f) === 0 ? ` (exit status ${(status >> 8) & 0xff})` : ` (killed by signal ${status & 0x7f})`;
    } catch {
      return '';
    }
  }

  private describeError(m: InitMessage): string {
    const where = m.op >= 0 && m.op < this.plan.length ? this.plan[m.op]!.where : 'container init';
    // errno 0: a failure with no system error behind it (a hook's exit status): the text says it all.
    if (m.err === 0 && m.text) return `${where}: ${m.text}`;
    return `${where}: ${m.text || 'start hako-init'}: ${errnoMessage(m.err)}`;
  }
}

function header(type: number, arg = 0): Buffer {
  const b = Buffer.alloc(HEADER);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(arg, 12);
  return b;
}
