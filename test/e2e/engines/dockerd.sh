#!/bin/sh
# Runs a real Docker engine (Debian's docker.io: dockerd and containerd) that touches nothing of the host:
# - network: a throwaway namespace bound to "$1.netns" (the convention of in-test-host.sh, so
#   removeTestHostNetns deletes it): docker0, its iptables rules, FORWARD policy and ip_forward stay in there;
# - files: everything under $1, and a private mount namespace with its own /run, where dockerd and containerd
#   put what they cannot be told to put elsewhere (/run/docker/plugins, /run/containerd/s); their mounts die
#   with it;
# - cgroups: containers go under the group named after $1, removed at the end.
# Serves the API on unix://$1/docker.sock. On SIGTERM it stops dockerd, then containerd, and exits 0.
set -eu
root="${1:?usage: dockerd.sh ROOT}"
netns="${root%/}.netns"
cgroup="$(basename "$root")"

if [ -z "${IN_DOCKERD_MOUNT_NS:-}" ]; then
  : > "$netns"
  unshare --net="$netns" ip link set lo up
  IN_DOCKERD_MOUNT_NS=1 exec unshare --mount --propagation private -- "$0" "$@"
fi
mount -t tmpfs -o mode=0755 tmpfs /run

# containerd of our own rather than dockerd's managed one: dockerd would use the host's instead whenever
# /run/containerd/containerd.sock exists. Its CRI plugin (CNI, /etc/cni) is off; /opt/containerd moves into root.
cat > "$root/containerd.toml" <<TOML
version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[plugins."io.containerd.internal.v1.opt"]
  path = "$root/containerd-opt"
TOML
# Our own daemon.json, so that /etc/docker/daemon.json cannot change this engine; it also moves the trust key
# dockerd would otherwise create as /etc/docker/key.json.
echo "{\"deprecated-key-path\": \"$root/key.json\"}" > "$root/daemon.json"

nsenter --net="$netns" -- containerd --config "$root/containerd.toml" --root "$root/containerd" \
  --state "$root/containerd-state" --address "$root/containerd.sock" --log-level warn &
containerd=$!
until [ -S "$root/containerd.sock" ]; do
  kill -0 "$containerd" || { echo "containerd exited before listening" >&2; exit 1; }
  sleep 0.05
done

nsenter --net="$netns" -- dockerd --config-file "$root/daemon.json" --data-root "$root/docker" \
  --exec-root "$root/exec" --pidfile "$root/dockerd.pid" -H "unix://$root/docker.sock" \
  --containerd "$root/containerd.sock" --cgroup-parent "$cgroup" &
dockerd=$!

# Stops dockerd (if still running), then containerd; removes the (then empty) container cgroups.
finish() {
  kill -TERM "$dockerd" 2>/dev/null || true
  wait "$dockerd" || true
  kill -TERM "$containerd"
  wait "$containerd" || true
  # A relative --cgroup-parent lands below dockerd's own cgroup, which differs per hierarchy (memory may be
  # nested under the session's group): find the group wherever it is, and remove it deepest first.
  find /sys/fs/cgroup -type d -name "$cgroup" -prune -print | while read -r dir; do
    find "$dir" -depth -type d -exec rmdir {} +
  done
}
trap 'finish; exit 0' TERM INT
# dockerd ending on its own is a failure to start, or a crash.
status=0
wait "$dockerd" || status=$?
finish
exit "$status"
