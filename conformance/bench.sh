#!/bin/sh
# Benchmark (not a test): create + start + delete of a container running /bin/true, hako against runc and
# crun on the same bundle, in the same run, in a clean environment (as containerd and podman call runtimes).
# All three run in a private mount namespace with the hybrid host's /sys/fs/cgroup/unified detached there,
# because crun refuses this host's hybrid layout otherwise; nothing changes outside that namespace.
#   sh conformance/bench.sh [ROUNDS]      (default 20; needs root; installs runc and crun if missing)
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-20}

if [ "${HAKO_BENCH_INNER:-}" != 1 ]; then
  for p in runc crun busybox-static; do
    dpkg -s "$p" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$p"; }
  done
  exec unshare --mount --propagation private env HAKO_BENCH_INNER=1 sh "$0" "$rounds"
fi
if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then umount /sys/fs/cgroup/unified; fi

tmp=$(mktemp -d /tmp/hako-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
bundle="$tmp/bundle"
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
bin/hako spec --bundle "$bundle"
node -e '
  const fs = require("fs"), f = process.argv[1], c = JSON.parse(fs.readFileSync(f));
  c.process.terminal = false;
  c.process.args = ["/bin/true"];
  c.ociVersion = "1.0.2"; // crun 1.8 refuses versions it does not know
  fs.writeFileSync(f, JSON.stringify(c, null, 2));
' "$bundle/config.json"

# The runtimes get a clean environment, as containerd and podman give them (NODE_EXTRA_CA_CERTS alone costs
# ~55 ms of Node start-up on these machines).
clean() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" >/dev/null 2>&1 </dev/null; }

# One cycle: create, start, delete --force (the process may not have exited yet).
cycle() { # runtime root id
  clean "$1" --root "$2" create --bundle "$bundle" "$3" && clean "$1" --root "$2" start "$3" &&
    clean "$1" --root "$2" delete --force "$3"
}

measure() { # name runtime -> prints mean milliseconds per cycle
  root="$tmp/root-$1"
  cycle "$2" "$root" "warm-$1" || { echo "$1 failed" >&2; return 1; }
  start=$(date +%s%N)
  i=0
  while [ "$i" -lt "$rounds" ]; do
    cycle "$2" "$root" "b-$1-$i" || { echo "$1 failed" >&2; return 1; }
    i=$((i + 1))
  done
  end=$(date +%s%N)
  echo $(((end - start) / rounds / 1000000))
}

hako_ms=$(measure hako "$PWD/bin/hako")
runc_ms=$(measure runc runc)
crun_ms=$(measure crun crun)
echo "create+start+delete of /bin/true, mean of $rounds cycles (ms):"
echo "  hako $hako_ms   runc $runc_ms   crun $crun_ms"
awk -v h="$hako_ms" -v r="$runc_ms" -v c="$crun_ms" 'BEGIN { printf "  hako/runc %.2f   hako/crun %.2f\n", h / r, h / c }'
