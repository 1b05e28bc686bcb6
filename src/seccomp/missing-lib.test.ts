// Without libseccomp: a clear error naming /linux/seccomp at create, and `features` says seccomp is off.
import t from 'tap';
import { compileSeccomp } from './compile';
import { seccompFeatures } from './features';
import { SpecError } from '../spec/errors';

// Read when the library is first needed (host/seccomp.ts loads it lazily).
process.env.HAKO_LIBSECCOMP = '/nonexistent/libseccomp.so.2';

t.test('a profile without libseccomp', async (t) => {
  let err: unknown;
  try {
    compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }, new Map());
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof SpecError);
  t.same((err as SpecError).problems.map((p) => p.pointer), ['/linux/seccomp']);
  t.match((err as SpecError).message, /^\/linux\/seccomp: libseccomp is needed for seccomp profiles but \/nonexistent\/libseccomp\.so\.2 cannot be loaded .*install libseccomp2/);
});

t.test('features without libseccomp', async (t) => {
  t.same(seccompFeatures(), { seccomp: { enabled: false } });
});
