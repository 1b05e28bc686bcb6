// Shared test plumbing: run a bundle in the foreground with the probe as its process and parse the report.
import * as fs from 'node:fs';
import type { Test } from 'tap';
import { Hako, type Result, type RunOptions } from './hako';
import { makeBundle, type Bundle } from './bundle';
import { parseProbeReport, type ProbeReport } from './probe';
import type { Spec } from '../../src/spec/types';

export class Suite {
  readonly hako: Hako;
  private readonly bundles: Bundle[] = [];

  constructor(t: Test, name: string) {
    this.hako = new Hako(name);
    t.teardown(() => this.cleanup());
  }

  bundle(args?: string[], edit?: (spec: Spec) => void): Bundle {
    const b = makeBundle(args, edit);
    this.bundles.push(b);
    return b;
  }

  /** `hako run` a bundle in the foreground and return the result. */
  runBundle(b: Bundle, extraFlags: string[] = [], o: RunOptions = {}): Result {
    return this.hako.run(['run', ...extraFlags, '--bundle', b.dir, this.hako.id()], o);
  }

  /** `create` of a bundle (running /bin/true) that must be refused: exit 1 and no container left. Returns stderr. */
  refused(t: Test, edit: (spec: Spec) => void): string {
    const b = this.bundle(['/bin/true'], edit);
    const id = this.hako.id('refused');
    const r = this.hako.run(['create', '--bundle', b.dir, id]);
    t.equal(r.code, 1, 'create fails');
    t.equal(this.hako.state(id), null, 'nothing is left');
    return r.stderr;
  }

  /** Run `/bin/probe report <probeArgs>` in a container configured by `edit`; fail the test if it did not run. */
  probe(t: Test, probeArgs: string[] = [], edit?: (spec: Spec) => void, extraFlags: string[] = []): ProbeReport {
    const b = this.bundle(['/bin/probe', 'report', ...probeArgs], edit);
    const r = this.runBundle(b, extraFlags);
    if (r.code !== 0) {
      t.fail(`container failed (exit ${r.code}): ${r.stderr}`);
      throw new Error(r.stderr);
    }
    return parseProbeReport(r.stdout);
  }

  cleanup(): void {
    this.hako.cleanup();
    for (const b of this.bundles) b.remove();
  }
}

/** The host's own report, to compare namespaces and such against. */
export function hostNamespace(name: string): string {
  return fs.readlinkSync(`/proc/self/ns/${name}`);
}
