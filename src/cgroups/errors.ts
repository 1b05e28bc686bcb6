import { HakoError } from '../util/errors';

/** Escapes one JSON pointer reference token (RFC 6901). */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** JSON pointers of the resources object, the prefix of every field a cgroup error names. */
export const RESOURCES = '/linux/resources';

export function resourcePointer(...tokens: (string | number)[]): string {
  return RESOURCES + tokens.map((t) => `/${pointerToken(t)}`).join('');
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
