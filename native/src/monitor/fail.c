#include "fail.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const step_names[] = {
    [STEP_READY] = "ready",
    [STEP_STDIO] = "set up stdio",
    [STEP_CGROUP] = "join cgroup",
    [STEP_NETNS] = "join network namespace",
    [STEP_LOOPBACK] = "bring up loopback",
    [STEP_CGROUPNS] = "create cgroup namespace",
    [STEP_HOSTNAME] = "set hostname",
    [STEP_DOMAINNAME] = "set domainname",
    [STEP_ROOT_PRIVATE] = "make mounts private",
    [STEP_OVERLAY] = "mount overlay",
    [STEP_PROC] = "mount /proc",
    [STEP_SYS] = "mount /sys",
    [STEP_DEV] = "populate /dev",
    [STEP_DEVPTS] = "mount /dev/pts",
    [STEP_SHM] = "mount /dev/shm",
    [STEP_MQUEUE] = "mount /dev/mqueue",
    [STEP_CONSOLE] = "open console",
    [STEP_INIT] = "bind init",
    [STEP_BIND] = "bind mount",
    [STEP_TMPFS] = "mount tmpfs",
    [STEP_SYSCTL] = "set sysctl",
    [STEP_MASK] = "mask path",
    [STEP_READONLY_PATH] = "make path read-only",
    [STEP_CWD] = "create working directory",
    [STEP_READONLY_ROOT] = "make rootfs read-only",
    [STEP_PIVOT] = "pivot_root",
    [STEP_SETNS] = "join container namespaces",
    [STEP_RLIMIT] = "set rlimit",
    [STEP_GROUPS] = "set groups",
    [STEP_GID] = "set gid",
    [STEP_UID] = "set uid",
    [STEP_CAPS] = "set capabilities",
    [STEP_NO_NEW_PRIVS] = "set no_new_privs",
    [STEP_CHDIR] = "chdir",
    [STEP_LOOKUP] = "exec",
    [STEP_EXEC] = "exec",
};

const char *step_name(int step) {
  if (step < 0 || step >= (int)(sizeof step_names / sizeof step_names[0])) return "unknown step";
  return step_names[step];
}

_Noreturn void child_fail(int report_fd, int step, int index) {
  struct child_report r = {step, errno, index};
  (void)!write(report_fd, &r, sizeof r);
  _exit(127);
}

void child_ready(int report_fd) {
  struct child_report r = {STEP_READY, 0, 0};
  (void)!write(report_fd, &r, sizeof r);
}

void describe_child_failure(const struct spec *s, const struct child_report *r, char *out, size_t len) {
  const char *what = step_name(r->step);
  const char *reason = strerror(r->err);
  int i = r->index;
  switch (r->step) {
    case STEP_LOOKUP:
      /* Docker's wording, which tools match on. */
      if (strchr(s->argv[0], '/') == NULL) {
        snprintf(out, len, "exec: \"%s\": executable file not found in $PATH", s->argv[0]);
      } else {
        snprintf(out, len, "exec: \"%s\": stat %s: %s", s->argv[0], s->argv[0], reason);
      }
      return;
    case STEP_EXEC:
      snprintf(out, len, "exec: \"%s\": %s", s->argv[0], reason);
      return;
    case STEP_CGROUP:
      snprintf(out, len, "%s %s: %s", what, s->cgroup_procs[i], reason);
      return;
    case STEP_NETNS:
      snprintf(out, len, "%s %s: %s", what, s->net, reason);
      return;
    case STEP_OVERLAY:
      snprintf(out, len, "%s on %s: %s", what, s->rootfs, reason);
      return;
    case STEP_BIND:
      snprintf(out, len, "%s %s on %s: %s", what, s->mounts[i].source, s->mounts[i].target, reason);
      return;
    case STEP_TMPFS:
      snprintf(out, len, "%s on %s: %s", what, s->mounts[i].target, reason);
      return;
    case STEP_SYSCTL:
      snprintf(out, len, "%s %s=%s: %s", what, s->sysctls[i].name, s->sysctls[i].value, reason);
      return;
    case STEP_MASK:
      snprintf(out, len, "%s %s: %s", what, s->masked[i], reason);
      return;
    case STEP_READONLY_PATH:
      snprintf(out, len, "%s %s: %s", what, s->readonly_paths[i], reason);
      return;
    case STEP_CWD:
    case STEP_CHDIR:
      snprintf(out, len, "%s %s: %s", what, s->cwd, reason);
      return;
    case STEP_UID:
      snprintf(out, len, "%s %u: %s", what, (unsigned)s->uid, reason);
      return;
    case STEP_GID:
      snprintf(out, len, "%s %u: %s", what, (unsigned)s->gid, reason);
      return;
    default:
      snprintf(out, len, "%s: %s", what, reason);
  }
}
