// Who the container process runs as: rlimits, user and groups, capabilities, no_new_privs.
#pragma once
#include "spec.h"

#define RLIMIT_NAMES "as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack"

/* RLIMIT_* for a Docker ulimit name ("nofile"), or -1. */
int rlimit_from_name(const char *name);

/* In the child, as root with every capability: applies rlimits (capped at the host's hard limits),
 * groups, gid, uid, the capability set and no_new_privs. Failures go to child_fail(report_fd). */
void identity_apply(const struct spec *s, int last_cap, int report_fd);
