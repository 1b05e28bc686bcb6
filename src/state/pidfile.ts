import * as fs from 'node:fs';
import * as path from 'node:path';

/** Digits only, no newline, written to a temp file beside it and renamed over it (runc's way). */
export function writePidFile(file: string, pid: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}`);
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_SYNC, 0o644);
  let open = true;
  try {
    fs.writeSync(fd, String(pid));
    open = false;
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (err) {
    // Never leave the temp file behind, whichever step failed.
    if (open) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
