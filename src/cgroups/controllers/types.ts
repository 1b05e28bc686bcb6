// The vocabulary shared by the controller conversions: a write, what is known about the target cgroup,
// and a small builder that refuses a write to a file the kernel does not offer.
import { CgroupError } from '../errors';

/** One write of a value into a cgroup file. */
export interface CgroupWrite {
  /** Hierarchy key: a v1 controller ('memory', 'cpu', ...) or '' for the unified hierarchy. */
  hierarchy: string;
  file: string;
  value: string;
  /** JSON pointer of the config field the write comes from, named in any error. */
  field: string;
  /** The kernel may refuse this write (EINVAL) until a later one in the same list is done: retry it after the list. */
  retryOnEinval?: boolean;
  /** Write a multi-line value one line at a time (files such as io.max take one entry per write). */
  perLine?: boolean;
  /** Checks the value read back after the write; returns an error text when the kernel adjusted it. */
  check?: (readBack: string) => string | undefined;
}

/** What the conversions may know about the container's cgroup directories (injected, so they stay pure). */
export interface CgroupFacts {
  /** Files in the container's directory of a hierarchy; undefined when that hierarchy is not mounted. */
  files(hierarchy: string): ReadonlySet<string> | undefined;
  /** Current content of a file (trimmed), undefined when it cannot be read. */
  read(hierarchy: string, file: string): string | undefined;
}

/** Facts from fixed data, for tests and dry runs. */
export function staticFacts(files: Record<string, string[]>, contents: Record<string, string> = {}): CgroupFacts {
  const sets = new Map(Object.entries(files).map(([k, v]) => [k, new Set(v)]));
  return {
    files: (h) => sets.get(h),
    read: (h, f) => contents[`${h}/${f}`],
  };
}

/** Decimal text of an integer from JSON, exact for every safe integer (no exponent notation). */
export function intText(value: number, field: string): string {
  if (!Number.isInteger(value)) throw new CgroupError(`${value} is not an integer`, field);
  return BigInt(value).toString();
}

/** Builds the writes of one controller in one hierarchy. */
export class WriteList {
  readonly writes: CgroupWrite[] = [];

  constructor(
    private readonly facts: CgroupFacts,
    readonly hierarchy: string,
    /** Controller name used in messages ("memory", "io", ...). */
    private readonly controller: string,
  ) {}

  /** True when the container's cgroup has this file. */
  has(file: string): boolean {
    return this.facts.files(this.hierarchy)?.has(file) ?? false;
  }

  /** True when some file of the cgroup starts with this prefix ("hugetlb."). */
  hasPrefix(prefix: string): boolean {
    for (const f of this.facts.files(this.hierarchy) ?? []) if (f.startsWith(prefix)) return true;
    return false;
  }

  read(file: string): string | undefined {
    return this.facts.read(this.hierarchy, file);
  }

  /** Refuses a setting this host cannot honour, naming the field; `why` says what is missing. */
  unsupported(field: string, why: string): never {
    throw new CgroupError(why, field);
  }

  /** Adds a write; the file must exist, otherwise the error names the field and the missing file. */
  add(file: string, value: string, field: string, extra: Partial<CgroupWrite> = {}): void {
    if (!this.has(file)) {
      const files = this.facts.files(this.hierarchy);
      let why = files === undefined
        ? `the ${this.controller} cgroup controller is not available on this host`
        : `not supported by this kernel or cgroup: ${file} does not exist`;
      if (files !== undefined && this.hierarchy === '') {
        // cgroup v2: files of a controller appear only once it is enabled for the cgroup.
        const controller = file.slice(0, file.indexOf('.'));
        const listed = this.read('cgroup.controllers');
        const enabled = (listed ?? '').split(/\s+/).filter(Boolean);
        if (listed !== undefined && controller !== 'cgroup' && !enabled.includes(controller)) {
          why = `the ${controller} controller is not available in this cgroup (cgroup.controllers: ${enabled.join(' ') || 'none'})`;
        }
      }
      this.unsupported(field, why);
    }
    this.writes.push({ hierarchy: this.hierarchy, file, value, field, ...extra });
  }
}
