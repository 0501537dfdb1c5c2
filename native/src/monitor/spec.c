#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "caps.h"
#include "identity.h"

#define SPEC_MAX_BYTES (256 * 1024)

/* Static: the spec outlives parsing (every string points into it) and costs RSS only as far as it is used. */
static char spec_buf[SPEC_MAX_BYTES];

static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

static int parse_u64(const char *text, uint64_t *out) {
  char *end;
  if (*text < '0' || *text > '9') return -1;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0') return -1;
  *out = v;
  return 0;
}

static int parse_limit(const char *text, uint64_t *out) {
  if (strcmp(text, "-1") == 0 || strcmp(text, "unlimited") == 0) {
    *out = RLIM_INFINITY;
    return 0;
  }
  return parse_u64(text, out);
}

static int parse_flag(const char *text, int *out) {
  if (strcmp(text, "0") != 0 && strcmp(text, "1") != 0) return -1;
  *out = text[0] == '1';
  return 0;
}

/* The next NUL-terminated field of a multi-field record, or NULL past the end. */
static char *next_field(char **cursor, char *end) {
  if (*cursor >= end) return NULL;
  char *field = *cursor;
  *cursor += strlen(field) + 1;
  return field;
}

#define PUSH(array, count, max, value)                                                   \
  do {                                                                                   \
    if ((count) >= (max)) return fail(err, errlen, "spec: more than %d \"%s\" records", (max), key); \
    (array)[(count)++] = (value);                                                        \
  } while (0)

static int apply(struct spec *s, const char *key, const char *value, char **cursor, char *end, char *err,
                 size_t errlen) {
  uint64_t n;
  if (strcmp(key, "version") == 0) {
    if (strcmp(value, "1") != 0) return fail(err, errlen, "spec: version %s is not supported (expected 1)", value);
  } else if (strcmp(key, "arg") == 0) {
    PUSH(s->argv, s->argc, SPEC_MAX_ARGS, value);
  } else if (strcmp(key, "env") == 0) {
    PUSH(s->env, s->envc, SPEC_MAX_ENV, value);
  } else if (strcmp(key, "cwd") == 0) {
    s->cwd = value;
  } else if (strcmp(key, "hostname") == 0) {
    s->hostname = value;
  } else if (strcmp(key, "domainname") == 0) {
    s->domainname = value;
  } else if (strcmp(key, "lower") == 0) {
    PUSH(s->lower, s->nlower, SPEC_MAX_LAYERS, value);
  } else if (strcmp(key, "upper") == 0) {
    s->upper = value;
  } else if (strcmp(key, "work") == 0) {
    s->work = value;
  } else if (strcmp(key, "rootfs") == 0) {
    s->rootfs = value;
  } else if (strcmp(key, "readonly_rootfs") == 0) {
    if (parse_flag(value, &s->readonly_rootfs) != 0) goto bad_flag;
  } else if (strcmp(key, "net") == 0) {
    s->net = value;
  } else if (strcmp(key, "cgroup") == 0) {
    PUSH(s->cgroup_procs, s->ncgroups, SPEC_MAX_CGROUPS, value);
  } else if (strcmp(key, "oom_events") == 0) {
    s->oom_events = value;
  } else if (strcmp(key, "bind") == 0) {
    const char *target = next_field(cursor, end), *options = next_field(cursor, end);
    struct mount_entry m = {MOUNT_BIND, value, target, options};
    if (m.options == NULL) return fail(err, errlen, "spec: \"bind\" needs 3 fields: source, target, options");
    PUSH(s->mounts, s->nmounts, SPEC_MAX_MOUNTS, m);
  } else if (strcmp(key, "tmpfs") == 0) {
    struct mount_entry m = {MOUNT_TMPFS, NULL, value, next_field(cursor, end)};
    if (m.options == NULL) return fail(err, errlen, "spec: \"tmpfs\" needs 2 fields: target, options");
    PUSH(s->mounts, s->nmounts, SPEC_MAX_MOUNTS, m);
  } else if (strcmp(key, "masked") == 0) {
    PUSH(s->masked, s->nmasked, SPEC_MAX_PATHS, value);
  } else if (strcmp(key, "readonly_path") == 0) {
    PUSH(s->readonly_paths, s->nreadonly_paths, SPEC_MAX_PATHS, value);
  } else if (strcmp(key, "sysctl") == 0) {
    struct sysctl_entry e = {value, next_field(cursor, end)};
    if (e.value == NULL) return fail(err, errlen, "spec: \"sysctl\" needs 2 fields: name, value");
    if (strstr(e.name, "..") != NULL || strchr(e.name, '/') != NULL) {
      return fail(err, errlen, "spec: sysctl name \"%s\" is not a dotted sysctl name", e.name);
    }
    PUSH(s->sysctls, s->nsysctls, SPEC_MAX_SYSCTLS, e);
  } else if (strcmp(key, "shm_size") == 0) {
    if (parse_u64(value, &s->shm_size) != 0 || s->shm_size == 0) goto bad_number;
  } else if (strcmp(key, "rlimit") == 0) {
    const char *soft = next_field(cursor, end), *hard = next_field(cursor, end);
    struct rlimit_entry r = {rlimit_from_name(value), 0, 0};
    if (hard == NULL) return fail(err, errlen, "spec: \"rlimit\" needs 3 fields: name, soft, hard");
    if (r.resource < 0) return fail(err, errlen, "spec: unknown rlimit \"%s\" (expected one of %s)", value, RLIMIT_NAMES);
    if (parse_limit(soft, &r.soft) != 0 || parse_limit(hard, &r.hard) != 0 || r.soft > r.hard) {
      return fail(err, errlen, "spec: rlimit %s: soft %s / hard %s must be numbers or -1 with soft <= hard", value,
                  soft, hard);
    }
    PUSH(s->rlimits, s->nrlimits, SPEC_MAX_RLIMITS, r);
  } else if (strcmp(key, "uid") == 0) {
    if (parse_u64(value, &n) != 0 || n >= (uid_t)-1) goto bad_number;
    s->uid = (uid_t)n;
  } else if (strcmp(key, "gid") == 0) {
    if (parse_u64(value, &n) != 0 || n >= (gid_t)-1) goto bad_number;
    s->gid = (gid_t)n;
  } else if (strcmp(key, "group") == 0) {
    if (parse_u64(value, &n) != 0 || n >= (gid_t)-1) goto bad_number;
    PUSH(s->groups, s->ngroups, SPEC_MAX_GROUPS, (gid_t)n);
  } else if (strcmp(key, "cap") == 0) {
    int cap = cap_from_name(value);
    if (cap < 0) {
      return fail(err, errlen, "spec: unknown capability \"%s\" (expected a name from capabilities(7), e.g. CAP_NET_ADMIN)",
                  value);
    }
    s->caps |= 1ULL << cap;
  } else if (strcmp(key, "no_new_privs") == 0) {
    if (parse_flag(value, &s->no_new_privs) != 0) goto bad_flag;
  } else if (strcmp(key, "tty") == 0) {
    if (parse_flag(value, &s->tty) != 0) goto bad_flag;
  } else if (strcmp(key, "stdin") == 0) {
    if (parse_flag(value, &s->open_stdin) != 0) goto bad_flag;
  } else if (strcmp(key, "hold") == 0) {
    if (parse_flag(value, &s->hold) != 0) goto bad_flag;
  } else if (strcmp(key, "init") == 0) {
    if (parse_flag(value, &s->init) != 0) goto bad_flag;
  } else if (strcmp(key, "join_pid") == 0) {
    if (parse_u64(value, &n) != 0 || n == 0 || n > 0x7fffffff) goto bad_number;
    s->join_pid = (pid_t)n;
  } else {
    return fail(err, errlen, "spec: unknown key \"%s\"", key);
  }
  return 0;
bad_flag:
  return fail(err, errlen, "spec: %s=%s must be 0 or 1", key, value);
bad_number:
  return fail(err, errlen, "spec: %s=%s is not a valid number", key, value);
}

int spec_load(const char *path, struct spec *s, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  s->shm_size = 64 * 1024 * 1024;
  s->net = "new";

  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(err, errlen, "spec: open %s: %s", path, strerror(errno));
  size_t len = 0;
  for (ssize_t got; len < sizeof spec_buf && (got = read(fd, spec_buf + len, sizeof spec_buf - len)) != 0; len += (size_t)got) {
    if (got < 0) {
      int saved = errno;
      close(fd);
      return fail(err, errlen, "spec: read %s: %s", path, strerror(saved));
    }
  }
  close(fd);
  if (len == sizeof spec_buf) return fail(err, errlen, "spec: %s is larger than %d bytes", path, SPEC_MAX_BYTES);
  if (len == 0 || spec_buf[len - 1] != '\0') return fail(err, errlen, "spec: %s must end with a NUL byte", path);

  char *cursor = spec_buf, *end = spec_buf + len;
  for (char *record; (record = next_field(&cursor, end)) != NULL;) {
    char *eq = strchr(record, '=');
    if (eq == NULL) return fail(err, errlen, "spec: record \"%s\" is not key=value", record);
    *eq = '\0';
    if (apply(s, record, eq + 1, &cursor, end, err, errlen) != 0) return -1;
  }
  if (s->argc == 0) return fail(err, errlen, "spec: no \"arg\" record: nothing to run");
  return 0;
}
