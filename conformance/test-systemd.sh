#!/bin/sh
# The systemd cgroup driver (`npm run test:systemd`): conformance/tests/systemd.test.ts, then podman and containerd
# driving hako with systemd cgroups (conformance/systemd-clients.sh), in shared/vm's --systemd guest (systemd 252 as
# PID 1, the system bus, pure cgroup v2), booted once. Compiled and run as `npm run test:v2` does (see test-v2.sh).
set -eu
cd "$(dirname "$0")/.."
vm=${HAKO_VM_RUN:-$(cd .. && pwd)/shared/vm/vm-run.sh}
if [ ! -x "$vm" ]; then
  echo "test:systemd: no VM runner at $vm (set HAKO_VM_RUN to shared/vm/vm-run.sh)" >&2
  exit 1
fi
# The callers (installed on this host: the guest runs this host's programs and has no network).
need=""
for c in podman containerd ctr conmon; do command -v "$c" >/dev/null || need="podman containerd"; done
if [ -n "$need" ]; then
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $need >/dev/null ||
    { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $need >/dev/null; }
fi
npm run -s build
make -s -C conformance
npx tsc -p conformance/tsconfig.v2.json
exec "$vm" --systemd --timeout 1200 -- sh -c '
  node conformance/run-compiled.mjs build/js/tests/conformance/tests/systemd.test.js; tests=$?
  bash conformance/systemd-clients.sh; clients=$?
  [ "$tests" = 0 ] && [ "$clients" = 0 ]'
