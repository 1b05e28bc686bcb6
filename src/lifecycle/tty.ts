// Foreground `run`/`exec` with process.terminal and no --console-socket (contract §4.3, last row): hako is the
// console socket's receiver itself. It gets the pty master over an internal socketpair, puts its own terminal in
// raw mode, copies both ways, follows SIGWINCH, and restores the terminal when the process has exited.
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import * as native from '../host/native';
import { HakoError } from '../util/errors';
import { log } from '../cli/log';

/** The master the init sent over `socket` (it was sent before the process was released, so it is queued). */
export function receiveMaster(socket: number, timeoutMs = 5000): number {
  const got = native.receiveMessage(socket, timeoutMs);
  if (!got || got.fds.length !== 1) {
    for (const fd of got?.fds ?? []) fs.closeSync(fd);
    throw new HakoError('the container did not send its terminal');
  }
  return got.fds[0]!;
}

export class TtyRelay {
  private readonly reader: tty.ReadStream;
  private readonly writer: tty.WriteStream;
  private readonly ended: Promise<void>;
  private saved: Buffer | undefined;
  private readonly onWinch = () => this.resize();
  private readonly onInput = (d: Buffer) => this.writer.write(d);

  /** Takes ownership of `master`. */
  constructor(private readonly master: number) {
    // Two fd numbers for one master: libuv watches each fd once, and we read and write concurrently.
    this.writer = new tty.WriteStream(native.dup(master));
    this.reader = new tty.ReadStream(master);
    this.writer.on('error', () => {}); // the process has gone; its output still drains
    this.ended = new Promise((resolve) => {
      // EIO on the master: every slave fd is closed. That is the end of the output, not an error.
      this.reader.on('error', () => resolve());
      this.reader.on('end', () => resolve());
      this.reader.on('close', () => resolve());
    });
    this.reader.on('data', (d: Buffer) => process.stdout.write(d));
    this.resize();
    process.on('SIGWINCH', this.onWinch);
    // cfmakeraw, as runc: libuv's raw mode (setRawMode) keeps output processing, which would turn the
    // container's \r\n into \r\r\n.
    if (tty.isatty(0)) this.saved = native.ttyRaw(0);
    process.stdin.on('data', this.onInput);
    process.stdin.on('error', () => {});
  }

  /** Our terminal's size onto the pty (stdin's, else stdout's); nothing when neither is a terminal. */
  private resize(): void {
    for (const fd of [0, 1]) {
      if (!tty.isatty(fd)) continue;
      try {
        const { rows, cols } = native.getWinsize(fd);
        // A terminal without a size (0x0) says nothing: keep process.consoleSize.
        if (rows || cols) native.setWinsize(this.master, rows, cols);
      } catch (err) {
        log.debug(`resize the container's terminal: ${(err as Error).message}`);
      }
      return;
    }
  }

  /** After the process exited: let its output drain (up to drainMs), then restore our terminal. */
  async finish(drainMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)))]);
    clearTimeout(timer);
    this.close();
    await new Promise<void>((resolve) => (process.stdout.writableLength === 0 ? resolve() : process.stdout.once('drain', resolve)));
  }

  close(): void {
    process.off('SIGWINCH', this.onWinch);
    process.stdin.off('data', this.onInput);
    if (this.saved) {
      try {
        native.ttyRestore(0, this.saved);
      } catch {
        // not a terminal any more
      }
      this.saved = undefined;
    }
    process.stdin.pause();
    process.stdin.unref?.();
    this.reader.destroy();
    this.writer.destroy();
  }
}
