#!/bin/sh
# One command from a fresh checkout: install and build everything, make an example bundle from Debian's
# busybox-static (there is no image registry here), and run a real container from it.
set -eu
cd "$(dirname "$0")/.."
sh .ci/install
bundle=build/demo
rm -rf "$bundle"
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" "$bundle/rootfs/tmp"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in sh echo hostname cat ls ps id; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
bin/hako spec --bundle "$bundle"
# The example config from `hako spec`, without a terminal, printing where it runs.
node -e '
  const fs = require("fs"), f = process.argv[1], c = JSON.parse(fs.readFileSync(f));
  c.process.terminal = false;
  c.process.args = ["sh", "-c", "echo \"hello from $(hostname): I am PID $$, running as $(id -u)\"; ls /"];
  fs.writeFileSync(f, JSON.stringify(c, null, 2));
' "$bundle/config.json"
exec bin/hako --root "$PWD/build/demo-state" run --bundle "$bundle" "demo-$$"
