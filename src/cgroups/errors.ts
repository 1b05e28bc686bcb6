import { HakoError } from '../util/errors';
import { childPointer } from '../spec/errors';

/** The JSON pointer of a field of linux.resources, which every cgroup error about the config names. */
export function resourcePointer(...tokens: (string | number)[]): string {
  return childPointer('/linux/resources', ...tokens);
}

/**
 * A cgroup setup failure. `field` is the JSON pointer of the config field that asked for it (when there is
 * one): the message then reads "/linux/resources/memory/swap: ...", like every other config error hako prints.
 */
export class CgroupError extends HakoError {
  constructor(readonly detail: string, readonly field?: string, readonly code?: string) {
    super(field ? `${field}: ${detail}` : detail);
    this.name = 'CgroupError';
  }
}
