#include "identity.h"

#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "caps.h"
#include "fail.h"

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"as", RLIMIT_AS},         {"core", RLIMIT_CORE},       {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},     {"fsize", RLIMIT_FSIZE},     {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},     {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO}, {"rttime", RLIMIT_RTTIME},   {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

int rlimit_from_name(const char *name) {
  for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++) {
    if (strcmp(name, rlimit_names[i].name) == 0) return rlimit_names[i].resource;
  }
  return -1;
}

/* Raising a hard limit needs CAP_SYS_RESOURCE, which hosts may withhold; cap at the host's hard limit instead. */
static int apply_rlimit(const struct rlimit_entry *r) {
  struct rlimit host;
  if (getrlimit(r->resource, &host) != 0) return -1;
  struct rlimit want = {r->soft, r->hard};
  if (want.rlim_max > host.rlim_max) want.rlim_max = host.rlim_max;
  if (want.rlim_cur > want.rlim_max) want.rlim_cur = want.rlim_max;
  return setrlimit(r->resource, &want);
}

void identity_apply(const struct spec *s, int last_cap, int report_fd) {
  for (int i = 0; i < s->nrlimits; i++) {
    if (apply_rlimit(&s->rlimits[i]) != 0) child_fail(report_fd, STEP_RLIMIT, i);
  }
  if (caps_drop_bounding(s->caps, last_cap) != 0) child_fail(report_fd, STEP_CAPS, 0);
  /* Keep the permitted set across the uid change so caps_set can still grant capabilities to a non-root user. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) child_fail(report_fd, STEP_CAPS, 0);
  if (setgroups((size_t)s->ngroups, s->groups) != 0) child_fail(report_fd, STEP_GROUPS, 0);
  if (setresgid(s->gid, s->gid, s->gid) != 0) child_fail(report_fd, STEP_GID, 0);
  if (setresuid(s->uid, s->uid, s->uid) != 0) child_fail(report_fd, STEP_UID, 0);
  if (caps_set(s->caps) != 0) child_fail(report_fd, STEP_CAPS, 0);
  if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(report_fd, STEP_NO_NEW_PRIVS, 0);
}
