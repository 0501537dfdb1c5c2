// The process the monitor clones: it becomes the container (run mode) or joins one (exec mode),
// then execs the user's command. Everything it needs is prepared by the monitor beforehand.
#pragma once
#include "spec.h"

struct launch {
  const struct spec *spec;
  int report_fd;      /* write end of the CLOEXEC report pipe (see fail.h) */
  int gate_fd;        /* read end: one byte from the monitor releases execve */
  int stdio[3];       /* without a TTY: the ends that become fds 0, 1, 2 */
  int console_sock;   /* with a TTY: where the child sends the pty master */
  int cgroup_fds[SPEC_MAX_CGROUPS]; /* open cgroup.procs files */
  int netns_fd;       /* run mode: network namespace to join, or -1 */
  int container_pidfd; /* exec mode: pid 1 of the container */
  const char *overlay_options;
  const char *monitor_path; /* this executable, by name: /proc/self/exe points into the old mount namespace */
  int last_cap;
};

/* Run mode; called in a child cloned with new pid, mount, uts, ipc (and maybe net) namespaces. */
_Noreturn void child_run(const struct launch *l);

/* Exec mode; called in a child already inside the container's pid namespace. */
_Noreturn void child_exec(const struct launch *l);

/* Shared by both modes: signal state, stdio without a TTY and cgroups, in that order. */
void child_begin(const struct launch *l);

/* Shared by both modes: resolves the command, reports READY, waits for the gate and execs. */
_Noreturn void child_finish(const struct launch *l, const char *const *argv_prefix, int nprefix);
