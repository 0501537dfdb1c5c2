// The container (or exec) spec berthd writes to <statedir>/spec; format in native/README.md.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPEC_MAX_ARGS 1024
#define SPEC_MAX_ENV 1024
#define SPEC_MAX_LAYERS 128
#define SPEC_MAX_MOUNTS 256
#define SPEC_MAX_PATHS 64
#define SPEC_MAX_CGROUPS 16
#define SPEC_MAX_RLIMITS 16
#define SPEC_MAX_SYSCTLS 64
#define SPEC_MAX_GROUPS 64

enum mount_kind { MOUNT_BIND, MOUNT_TMPFS };

struct mount_entry {
  enum mount_kind kind;
  const char *source; /* host path for bind mounts; NULL for tmpfs */
  const char *target; /* path inside the container */
  const char *options;
};

struct rlimit_entry {
  int resource;
  uint64_t soft, hard; /* RLIM_INFINITY for "unlimited" / -1 */
};

struct sysctl_entry {
  const char *name; /* dotted, as in sysctl(8) */
  const char *value;
};

struct spec {
  const char *argv[SPEC_MAX_ARGS + 1];
  int argc;
  const char *env[SPEC_MAX_ENV + 1];
  int envc;
  const char *cwd;
  const char *hostname, *domainname;

  const char *lower[SPEC_MAX_LAYERS]; /* topmost first, as overlayfs lists them */
  int nlower;
  const char *upper, *work, *rootfs;
  int readonly_rootfs;

  const char *net; /* "new", "host" or the path of a network namespace to join */
  const char *cgroup_procs[SPEC_MAX_CGROUPS];
  int ncgroups;
  const char *oom_events; /* memory.events (v2) or memory.oom_control (v1) */

  struct mount_entry mounts[SPEC_MAX_MOUNTS]; /* binds and tmpfs, mounted in this order (parents first) */
  int nmounts;
  const char *masked[SPEC_MAX_PATHS];
  int nmasked;
  const char *readonly_paths[SPEC_MAX_PATHS];
  int nreadonly_paths;
  struct sysctl_entry sysctls[SPEC_MAX_SYSCTLS];
  int nsysctls;
  uint64_t shm_size;

  struct rlimit_entry rlimits[SPEC_MAX_RLIMITS];
  int nrlimits;
  uid_t uid;
  gid_t gid;
  gid_t groups[SPEC_MAX_GROUPS];
  int ngroups;
  uint64_t caps; /* bit n = capability n */
  int no_new_privs;

  int tty, open_stdin, hold, init;
  pid_t join_pid; /* exec mode: pid 1 of the container to join */
};

/* Parses the spec file at `path` into `s` (strings point into a static buffer). On failure
 * returns -1 with a message in `err`. */
int spec_load(const char *path, struct spec *s, char *err, size_t errlen);
