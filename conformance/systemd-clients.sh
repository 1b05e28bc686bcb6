#!/bin/bash
# podman and containerd driving hako with systemd cgroups, on a host where systemd is PID 1 on cgroup v2 (run by
# `npm run test:systemd` in shared/vm's --systemd guest). The image is made locally from busybox-static (no
# registry). Prints one "ok"/"not ok" line per check and "N passed, N failed"; everything it starts or makes is
# under its own temp dir and names, and is removed at the end.
set -u
cd "$(dirname "$0")/.."
HAKO=$PWD/bin/hako
T=$(mktemp -d /tmp/hako-sd-clients.XXXXXX)
chmod 755 "$T"
cd "$T" # the engines inherit it (conmon leaves an "oom" file in its cwd after an OOM kill)
PASSED=0 FAILED=0 CD_PID=""
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
bad() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
check() { # name command...: ok when the command succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
unit_gone() { [ "$(systemctl show "$1" -p LoadState --value)" = not-found ] && [ ! -e "/sys/fs/cgroup/$2/$1" ]; }

cleanup() {
	[ -n "${PODMAN:-}" ] && timeout 60 "${PODMAN[@]}" rm -a -f -t 0 >/dev/null 2>&1
	if [ -n "$CD_PID" ]; then
		for c in $(timeout 10 "${CTR[@]}" task ls -q 2>/dev/null); do timeout 10 "${CTR[@]}" task rm -f "$c" >/dev/null 2>&1; done
		kill "$CD_PID" 2>/dev/null; wait "$CD_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# ---- image: busybox-static rootfs, as a tar (podman import) and a one-layer OCI archive (ctr image import)
r=$T/rootfs
mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp,root,run} "$T/oci/blobs/sha256"
cp /bin/busybox "$r/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"; printf 'root:x:0:\n' >"$r/etc/group"
tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$T/rootfs.tar" .
blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$T/oci/blobs/sha256/$d"; echo "$d"; }
IMG=localhost/hako-sd:latest
L=$(blob "$T/rootfs.tar")
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$L" >"$T/config.json"
C=$(blob "$T/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
	"$C" "$(stat -c %s "$T/config.json")" "$L" "$(stat -c %s "$T/rootfs.tar")" >"$T/manifest.json"
M=$(blob "$T/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s"},"platform":{"architecture":"amd64","os":"linux"}}]}' \
	"$M" "$(stat -c %s "$T/manifest.json")" "$IMG" >"$T/oci/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$T/oci/oci-layout"
tar -C "$T/oci" -cf "$T/image.tar" .

# ---- podman: --cgroup-manager=systemd, so conmon asks hako for machine.slice:libpod:<id>
d=$T/podman
mkdir -p "$d/tmp"
cat >"$d/containers.conf" <<EOF
[containers]
netns = "none"
[engine]
conmon_env_vars = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TMPDIR=$d/tmp"]
events_logger = "file"
events_logfile_path = "$d/events.log"
EOF
export CONTAINERS_CONF=$d/containers.conf
PODMAN=(podman --root "$d/root" --runroot "$d/runroot" --storage-driver vfs --tmpdir "$d/tmp" --cgroup-manager=systemd --runtime "$HAKO")
check "podman: import the image" "${PODMAN[@]}" import -q "$T/rootfs.tar" "$IMG" >/dev/null
out=$("${PODMAN[@]}" run --rm --memory 64m "$IMG" sh -c 'cat /sys/fs/cgroup/memory.max; cat /proc/self/cgroup; dd if=/dev/zero of=/dev/null bs=96M count=1 2>/dev/null; echo dd=$?' 2>&1)
echo "$out" | sed 's/^/# /'
check "podman run --memory 64m: memory.max 67108864 in the container" grep -qx 67108864 <<<"$out"
check "podman run --memory 64m: a 96 MiB buffer is OOM-killed (dd=137)" grep -qx dd=137 <<<"$out"
id=$("${PODMAN[@]}" run -d --memory 64m "$IMG" sleep 1000)
unit=libpod-$id.scope
show=$(systemctl show "$unit" -p Slice -p MemoryMax -p Delegate -p ActiveState 2>&1)
echo "$show" | sed 's/^/# /'
check "podman run -d: unit $unit in machine.slice, MemoryMax=67108864, delegated, active" \
	test "$(echo "$show" | sort | tr '\n' ' ')" = "ActiveState=active Delegate=yes MemoryMax=67108864 Slice=machine.slice "
check "podman run -d: the container's init is in the scope" grep -qx "$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$id")" "/sys/fs/cgroup/machine.slice/$unit/cgroup.procs"
check "podman update --memory 96m: MemoryMax and memory.max" sh -c "$(printf '%q ' "${PODMAN[@]}") update --memory 96m $id >/dev/null &&
	[ \"\$(systemctl show $unit -p MemoryMax --value)\" = 100663296 ] && [ \"\$(cat /sys/fs/cgroup/machine.slice/$unit/memory.max)\" = 100663296 ]"
check "podman rm -f: clean" "${PODMAN[@]}" rm -f -t 0 "$id" >/dev/null
check "podman: no unit or cgroup left" unit_gone "$unit" machine.slice

# ---- containerd: the runc v2 shim, SystemdCgroup = true, hako as the runc binary
d=$T/containerd
mkdir -p "$d"/{root,state,fifo,tmp}
CD_SOCK=$d/containerd.sock
cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD_SOCK"
[ttrpc]
  address = "$CD_SOCK.ttrpc"
EOF
TMPDIR=$d/tmp containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 </dev/null &
CD_PID=$!
CTR=(ctr --address "$CD_SOCK" --namespace hako-sd)
for _ in $(seq 1 150); do timeout 5 "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
check "containerd: import the image" "${CTR[@]}" image import --snapshotter native "$T/image.tar" >/dev/null
R=(--snapshotter native --fifo-dir "$d/fifo" --runc-binary "$HAKO" --runc-systemd-cgroup)
out=$("${CTR[@]}" run --rm "${R[@]}" --cgroup system.slice:hako-ctr:sd1 "$IMG" sd1 \
	sh -c 'cat /proc/self/cgroup; grep " /sys/fs/cgroup " /proc/self/mountinfo | cut -d" " -f4,5,9' 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "ctr run --rm --runc-systemd-cgroup (exit $rc): the task in hako-ctr-sd1.scope" \
	test "$rc $(echo "$out" | head -n 1)" = "0 0::/system.slice/hako-ctr-sd1.scope"
check "ctr run --rm: no unit or cgroup left" unit_gone hako-ctr-sd1.scope system.slice
"${CTR[@]}" run -d --null-io "${R[@]}" --cgroup system.slice:hako-ctr:sd2 --memory-limit 67108864 "$IMG" sd2 sleep 1000 >/dev/null 2>&1
pid=$("${CTR[@]}" task ls 2>/dev/null | awk '$1 == "sd2" {print $2}')
check "ctr run -d: the task's init $pid is in hako-ctr-sd2.scope" grep -qx "0::/system.slice/hako-ctr-sd2.scope" "/proc/${pid:-0}/cgroup"
check "ctr run -d --memory-limit 67108864: MemoryMax and memory.max of the scope" \
	test "$(systemctl show hako-ctr-sd2.scope -p MemoryMax --value) $(cat /sys/fs/cgroup/system.slice/hako-ctr-sd2.scope/memory.max)" = "67108864 67108864"
check "ctr task pause: the scope is frozen" sh -c "$(printf '%q ' "${CTR[@]}") task pause sd2 && [ \"\$(cat /sys/fs/cgroup/system.slice/hako-ctr-sd2.scope/cgroup.freeze)\" = 1 ]"
check "ctr task resume" "${CTR[@]}" task resume sd2
check "ctr task kill + rm: clean" sh -c "$(printf '%q ' "${CTR[@]}") task kill -s SIGKILL sd2; sleep 1; $(printf '%q ' "${CTR[@]}") task rm sd2 >/dev/null 2>&1; $(printf '%q ' "${CTR[@]}") containers rm sd2"
check "ctr: no unit or cgroup left" unit_gone hako-ctr-sd2.scope system.slice

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
