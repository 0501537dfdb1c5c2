#!/bin/sh
# Runs a command (a test berthd, or the CLI that may start one) inside the throwaway network namespace that
# stands in for the host of the daemon on $BERTH_ROOT: bound to the file "$BERTH_ROOT.netns", made with
# loopback up on first use and reused after (a daemon restarted after kill -9 finds its bridges again).
# berthd's bridges, veths, nft rules and sysctls thus never reach the real host. removeRoot deletes the file.
set -eu
: "${BERTH_ROOT:?in-test-host.sh needs BERTH_ROOT}"
netns="${BERTH_ROOT%/}.netns"
# Under a lock on the root: two first launches at once make one namespace, not two stacked on the file.
(
  flock 9
  if [ "$(stat -f -c %T "$netns" 2>/dev/null)" != nsfs ]; then
    : > "$netns"
    unshare --net="$netns" ip link set lo up
  fi
) 9<"$BERTH_ROOT"
exec nsenter --net="$netns" -- "$@"
