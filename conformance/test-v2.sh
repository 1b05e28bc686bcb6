#!/bin/sh
# The cgroup tests on pure cgroup v2 (`npm run test:v2`). This host uses the v1 "hybrid" layout, so they run in the
# throw-away QEMU VM of shared/vm (vm-run.sh: Debian 6.1 kernel, cgroup_no_v1=all, the checkout shared over 9p).
# Node and 9p are slow there (TCG: ~1 s per hako call), and tap's runner with its TypeScript loader takes minutes
# just to start, so the test files are compiled with tsc (conformance/tsconfig.v2.json -> build/js/tests/) and run in one
# plain node process with tap's runtime (conformance/run-compiled.mjs): the same assertions. Container state,
# bundles and fifos stay on the guest's tmpfs /tmp (no sockets or fifos on 9p).
# Set HAKO_VM_RUN to vm-run.sh if it is not at ../shared/vm/vm-run.sh.
set -eu
cd "$(dirname "$0")/.."
vm=${HAKO_VM_RUN:-$(cd .. && pwd)/shared/vm/vm-run.sh}
if [ ! -x "$vm" ]; then
  echo "test:v2: no VM runner at $vm (set HAKO_VM_RUN to shared/vm/vm-run.sh)" >&2
  exit 1
fi
npm run -s build
make -s -C conformance
npx tsc -p conformance/tsconfig.v2.json
exec "$vm" --timeout 1800 -- node conformance/run-compiled.mjs \
  build/js/tests/conformance/tests/cgroups.test.js \
  build/js/tests/src/cgroups/manager.test.js \
  build/js/tests/src/cgroups/devicefilter-load.test.js \
  build/js/tests/src/cgroups/host.test.js
