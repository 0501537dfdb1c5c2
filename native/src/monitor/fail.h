// How a failure inside the container child reaches the monitor: a {step, errno, index} record on
// a CLOEXEC pipe. EOF on the pipe means execve succeeded.
#pragma once
#include <stddef.h>

#include "spec.h"

enum step {
  STEP_READY, /* not a failure: setup is done, the child waits for the start gate */
  STEP_STDIO,
  STEP_CGROUP,
  STEP_NETNS,
  STEP_LOOPBACK,
  STEP_CGROUPNS,
  STEP_HOSTNAME,
  STEP_DOMAINNAME,
  STEP_ROOT_PRIVATE,
  STEP_OVERLAY,
  STEP_PROC,
  STEP_SYS,
  STEP_DEV,
  STEP_DEVPTS,
  STEP_SHM,
  STEP_MQUEUE,
  STEP_CONSOLE,
  STEP_INIT,
  STEP_BIND,
  STEP_TMPFS,
  STEP_SYSCTL,
  STEP_MASK,
  STEP_READONLY_PATH,
  STEP_CWD,
  STEP_READONLY_ROOT,
  STEP_PIVOT,
  STEP_SETNS,
  STEP_RLIMIT,
  STEP_GROUPS,
  STEP_GID,
  STEP_UID,
  STEP_CAPS,
  STEP_NO_NEW_PRIVS,
  STEP_CHDIR,
  STEP_LOOKUP,
  STEP_EXEC,
};

struct child_report {
  int step;
  int err;
  int index; /* which spec entry (bind, rlimit...) the step was working on */
};

/* In the child: reports {step, errno, index} and exits 127. */
_Noreturn void child_fail(int report_fd, int step, int index);

/* In the child: reports READY. */
void child_ready(int report_fd);

/* The user-facing message for a child failure, e.g. `exec: "foo": executable file not found in $PATH`. */
void describe_child_failure(const struct spec *s, const struct child_report *r, char *out, size_t len);

/* A short stable name for the step ("mount overlay"), recorded in the error file. */
const char *step_name(int step);
