/** One thing wrong with a document: where (an RFC 6901 JSON pointer, "" for the whole document) and what. */
export interface Problem {
  pointer: string;
  message: string;
}

/** Renders a problem as one line, `<pointer>: <message>`; the document itself is shown as `/`. */
export function formatProblem(problem: Problem): string {
  return `${problem.pointer === '' ? '/' : problem.pointer}: ${problem.message}`;
}

/**
 * A config.json, process.json, state or features document that hako refuses. `problems` lists everything
 * found, so a user can fix a bundle in one go; `message` shows them one per line, unless the error has a
 * message of its own (a JSON syntax error, a file that cannot be read), which then names its source.
 */
import { HakoError } from '../util/errors';

export class SpecError extends HakoError {
  readonly problems: Problem[];

  constructor(problems: Problem[], message?: string) {
    super(message ?? problems.map(formatProblem).join('\n'));
    this.name = 'SpecError';
    this.problems = problems;
  }
}

/** Escapes one JSON pointer reference token (RFC 6901: `~` as `~0`, `/` as `~1`). */
export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Appends reference tokens to a JSON pointer. */
export function childPointer(pointer: string, ...tokens: (string | number)[]): string {
  return pointer + tokens.map((token) => `/${escapePointerToken(token)}`).join('');
}
