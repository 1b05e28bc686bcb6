// Idmapped mounts (config.md: mounts[].uidMappings/gidMappings, and the idmap/ridmap options), as runc reads them:
// - only bind mounts can be idmapped;
// - explicit mappings need both uidMappings and gidMappings, written as given to the mapping's user namespace
//   ("containerID hostID size": a file owned by hostID on disk shows as containerID through the mount);
// - idmap/ridmap without mappings use the container's own linux.uidMappings/gidMappings (a new user namespace);
// - ridmap idmaps every mount of an rbind tree, idmap (or mappings alone) only the top one.
// The runtime makes each such mount (open_tree + mount_setattr, host/native-mounts-net.ts) and the init attaches
// it (MOUNT_TREE). Pure.
import * as path from 'node:path';
import type { LinuxIDMapping, Mount, Spec } from '../spec/types';
import type { Problem } from '../spec/errors';
import { parseMountOptions } from './mount-options';
import { MS } from './linux';

export interface IdmapRequest {
  /** Index in config.json's mounts. */
  index: number;
  /** Absolute host path of the bind source. */
  source: string;
  /** rbind: clone the whole tree. */
  recursive: boolean;
  /** ridmap: idmap every mount in it. */
  idmapRecursive: boolean;
  uidMappings: LinuxIDMapping[];
  gidMappings: LinuxIDMapping[];
}

export function isIdmapped(m: Mount): boolean {
  return Boolean(m.uidMappings?.length || m.gidMappings?.length || parseMountOptions(m.options).idmap);
}

/** Problems with idmapped mounts that the schema cannot express (with their JSON pointers). */
export function checkIdmappedMounts(spec: Spec): Problem[] {
  const out: Problem[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    if (!isIdmapped(m)) return;
    const o = parseMountOptions(m.options);
    if (!(m.type === 'bind' || o.bind)) out.push({ pointer: `/mounts/${i}`, message: 'idmapped mounts are only supported for bind mounts' });
    const explicit = Boolean(m.uidMappings?.length || m.gidMappings?.length);
    if (explicit && !(m.uidMappings?.length && m.gidMappings?.length)) {
      out.push({ pointer: `/mounts/${i}`, message: 'an idmapped mount needs both uidMappings and gidMappings' });
    }
    if (!explicit) {
      const own = spec.linux?.uidMappings?.length && spec.linux?.gidMappings?.length;
      const newUserns = (spec.linux?.namespaces ?? []).some((n) => n.type === 'user' && !n.path);
      if (!own || !newUserns) {
        out.push({ pointer: `/mounts/${i}/options`, message: `${o.idmap} without uidMappings/gidMappings uses the container's user namespace mappings: add a new user namespace with linux.uidMappings and linux.gidMappings` });
      }
    }
  });
  return out;
}

export function idmapRequests(spec: Spec, bundle: string): IdmapRequest[] {
  return (spec.mounts ?? []).flatMap((m, index) => {
    if (!isIdmapped(m)) return [];
    const o = parseMountOptions(m.options);
    const explicit = Boolean(m.uidMappings?.length || m.gidMappings?.length);
    return [{
      index,
      source: path.resolve(bundle, m.source ?? ''),
      recursive: (o.flags & MS.REC) !== 0,
      idmapRecursive: o.idmap === 'ridmap',
      uidMappings: (explicit ? m.uidMappings : spec.linux?.uidMappings) ?? [],
      gidMappings: (explicit ? m.gidMappings : spec.linux?.gidMappings) ?? [],
    }];
  });
}
