// mount(8)-style options of a config.json mount -> flags, propagation, recursive attributes and fs data,
// as runc and crun interpret them. Unknown options are filesystem data ("mode=755", "size=64m").
import { MOUNT_ATTR, MS } from './linux';

export interface MountOptions {
  /** MS_* flags to set (MS_BIND and MS_REC included for bind/rbind). */
  flags: number;
  bind: boolean;
  /** MS_SHARED/MS_PRIVATE/... (with MS_REC for the r* forms), applied in order after the mount. */
  propagation: number[];
  /** mount_setattr(AT_RECURSIVE) attributes from rro, rnosuid, ... */
  attrSet: number;
  attrClr: number;
  /** Options passed to the filesystem. */
  data: string[];
  /** Options hako recognises but does not do (tmpcopyup, ...): the caller refuses them. */
  unsupported: string[];
  /** idmap (the mount itself) or ridmap (recursively): an idmapped bind mount (plan/idmap.ts). */
  idmap?: 'idmap' | 'ridmap';
}

const SET: Record<string, number> = {
  ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS, remount: MS.REMOUNT,
  mand: MS.MANDLOCK, dirsync: MS.DIRSYNC, nosymfollow: MS.NOSYMFOLLOW, noatime: MS.NOATIME, nodiratime: MS.NODIRATIME,
  relatime: MS.RELATIME, strictatime: MS.STRICTATIME, silent: MS.SILENT, iversion: MS.I_VERSION, lazytime: MS.LAZYTIME,
  acl: MS.POSIXACL,
  bind: MS.BIND, rbind: MS.BIND | MS.REC,
};

const CLEAR: Record<string, number> = {
  rw: MS.RDONLY, suid: MS.NOSUID, dev: MS.NODEV, exec: MS.NOEXEC, async: MS.SYNCHRONOUS, nomand: MS.MANDLOCK,
  symfollow: MS.NOSYMFOLLOW, atime: MS.NOATIME, diratime: MS.NODIRATIME, norelatime: MS.RELATIME,
  nostrictatime: MS.STRICTATIME, loud: MS.SILENT, noiversion: MS.I_VERSION, nolazytime: MS.LAZYTIME, noacl: MS.POSIXACL,
  // "defaults" is rw,suid,dev,exec,auto,nouser,async: nothing to set.
  defaults: 0,
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

// Recursive attributes (runc 1.1+): [attribute, set?]. Atime modes are one field and clear each other.
const RECURSIVE: Record<string, [number, boolean]> = {
  rro: [MOUNT_ATTR.RDONLY, true], rrw: [MOUNT_ATTR.RDONLY, false],
  rnosuid: [MOUNT_ATTR.NOSUID, true], rsuid: [MOUNT_ATTR.NOSUID, false],
  rnodev: [MOUNT_ATTR.NODEV, true], rdev: [MOUNT_ATTR.NODEV, false],
  rnoexec: [MOUNT_ATTR.NOEXEC, true], rexec: [MOUNT_ATTR.NOEXEC, false],
  rnodiratime: [MOUNT_ATTR.NODIRATIME, true], rdiratime: [MOUNT_ATTR.NODIRATIME, false],
  rnosymfollow: [MOUNT_ATTR.NOSYMFOLLOW, true], rsymfollow: [MOUNT_ATTR.NOSYMFOLLOW, false],
};
// The atime mode is one field that mount_setattr replaces as a whole; the "no" forms pick the mode they leave:
// ratime and rnostrictatime the kernel default (relatime), rnorelatime strictatime.
const RECURSIVE_ATIME: Record<string, number> = {
  rrelatime: MOUNT_ATTR.RELATIME, rnoatime: MOUNT_ATTR.NOATIME, rstrictatime: MOUNT_ATTR.STRICTATIME,
  ratime: MOUNT_ATTR.RELATIME, rnostrictatime: MOUNT_ATTR.RELATIME, rnorelatime: MOUNT_ATTR.STRICTATIME,
};

const UNSUPPORTED = new Set(['tmpcopyup', 'copy-symlink', 'src-nofollow', 'dest-nofollow']);
const IDMAP = new Set(['idmap', 'ridmap']);

/** Every option name this runtime recognises (for `hako features`). */
export const KNOWN_MOUNT_OPTIONS: string[] = [
  ...Object.keys(SET), ...Object.keys(CLEAR), ...Object.keys(PROPAGATION), ...Object.keys(RECURSIVE),
  ...Object.keys(RECURSIVE_ATIME), ...IDMAP,
].sort();

export function parseMountOptions(options: readonly string[] = []): MountOptions {
  const out: MountOptions = { flags: 0, bind: false, propagation: [], attrSet: 0, attrClr: 0, data: [], unsupported: [] };
  for (const o of options) {
    if (o in SET) out.flags |= SET[o]!;
    else if (o in CLEAR) out.flags &= ~CLEAR[o]!;
    else if (o in PROPAGATION) out.propagation.push(PROPAGATION[o]!);
    else if (o in RECURSIVE) {
      const [attr, set] = RECURSIVE[o]!;
      if (set) {
        out.attrSet |= attr;
        out.attrClr &= ~attr;
      } else {
        out.attrClr |= attr;
        out.attrSet &= ~attr;
      }
    } else if (o in RECURSIVE_ATIME) {
      out.attrClr |= MOUNT_ATTR._ATIME;
      out.attrSet = (out.attrSet & ~MOUNT_ATTR._ATIME) | RECURSIVE_ATIME[o]!;
    } else if (IDMAP.has(o)) out.idmap = out.idmap === 'ridmap' ? 'ridmap' : (o as 'idmap' | 'ridmap');
    else if (UNSUPPORTED.has(o)) out.unsupported.push(o);
    else out.data.push(o);
  }
  out.bind = (out.flags & MS.BIND) !== 0;
  return out;
}
