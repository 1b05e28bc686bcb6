// Every command that changes a container runs under its lock, on the record as it is once the lock is held
// (another command may have changed or deleted it meanwhile).
import { withLock } from '../state/lock';
import type { ContainerRecord } from '../state/record';
import { checkId, loadContainer } from './common';

export function withContainer<T>(root: string, id: string | undefined, fn: (rec: ContainerRecord) => T | Promise<T>): Promise<T> {
  checkId(id);
  return withLock(root, id, () => fn(loadContainer(root, id)));
}
