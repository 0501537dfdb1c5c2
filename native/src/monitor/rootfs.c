#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fail.h"
#include "resolve.h"

#define DIR_PATH (O_PATH | O_DIRECTORY)

/* Mount flags that a read-only remount must keep (statfs reports them with the same values as MS_*). */
#define KEPT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_SYNCHRONOUS)

static const struct {
  const char *name;
  mode_t mode;
  unsigned major, minor;
} dev_nodes[] = {
    {"null", 0666, 1, 3}, {"zero", 0666, 1, 5}, {"full", 0666, 1, 7},
    {"random", 0666, 1, 8}, {"urandom", 0666, 1, 9}, {"tty", 0666, 5, 0},
};

static const struct {
  const char *target, *name;
} dev_links[] = {
    {"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},        {"/proc/kcore", "core"},
};

static int mount_at(const char *source, int target_fd, const char *fstype, unsigned long flags, const char *data) {
  char path[32];
  return mount(source, fd_path(target_fd, path), fstype, flags, data);
}

/* `fd` must be the root of the mount (opened after mounting), or the remount hits the mount below. */
static int remount_readonly(int fd) {
  struct statfs st;
  if (fstatfs(fd, &st) != 0) return -1;
  return mount_at(NULL, fd, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | ((unsigned long)st.f_flags & KEPT_FLAGS), NULL);
}

/* Mounts onto `path` inside the root (created as a directory if missing); returns the new mount's root fd. */
static int mount_in_root(int rootfd, const char *path, const char *source, const char *fstype, unsigned long flags,
                         const char *data) {
  int target = root_create(rootfd, path, 0, DIR_PATH);
  if (target < 0) return -1;
  int rc = mount_at(source, target, fstype, flags, data);
  close(target);
  return rc != 0 ? -1 : root_open(rootfd, path, DIR_PATH);
}

int rootfs_mount_overlay(const struct spec *s, const char *options, int report_fd) {
  /* Our copy of the host's mounts must not propagate back to the host. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) child_fail(report_fd, STEP_ROOT_PRIVATE, 0);
  if (mount("overlay", s->rootfs, "overlay", 0, options) != 0) child_fail(report_fd, STEP_OVERLAY, 0);
  int rootfd = open(s->rootfs, DIR_PATH | O_CLOEXEC);
  if (rootfd < 0) child_fail(report_fd, STEP_OVERLAY, 0);
  return rootfd;
}

static void populate_dev(int devfd, int report_fd) {
  for (size_t i = 0; i < sizeof dev_nodes / sizeof dev_nodes[0]; i++) {
    dev_t dev = makedev(dev_nodes[i].major, dev_nodes[i].minor);
    if (mknodat(devfd, dev_nodes[i].name, S_IFCHR | dev_nodes[i].mode, dev) != 0) child_fail(report_fd, STEP_DEV, 0);
  }
  for (size_t i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++) {
    if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) != 0) child_fail(report_fd, STEP_DEV, 0);
  }
  if (mkdirat(devfd, "pts", 0755) != 0 || mkdirat(devfd, "shm", 01777) != 0 || mkdirat(devfd, "mqueue", 0755) != 0) {
    child_fail(report_fd, STEP_DEV, 0);
  }
}

void rootfs_mount_system(const struct spec *s, int rootfd, int report_fd) {
  int fd = mount_in_root(rootfd, "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  if (fd < 0) child_fail(report_fd, STEP_PROC, 0);
  close(fd);
  fd = mount_in_root(rootfd, "/sys", "sysfs", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  if (fd < 0) child_fail(report_fd, STEP_SYS, 0);
  close(fd);

  int devfd = mount_in_root(rootfd, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  if (devfd < 0) child_fail(report_fd, STEP_DEV, 0);
  populate_dev(devfd, report_fd);
  close(devfd);

  /* gid 5 is "tty" in the images Docker targets; ptmxmode lets every user open the container's ptmx. */
  fd = mount_in_root(rootfd, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                     "newinstance,ptmxmode=0666,mode=0620,gid=5");
  if (fd < 0) child_fail(report_fd, STEP_DEVPTS, 0);
  close(fd);
  char shm_options[64];
  snprintf(shm_options, sizeof shm_options, "mode=1777,size=%llu", (unsigned long long)s->shm_size);
  fd = mount_in_root(rootfd, "/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm_options);
  if (fd < 0) child_fail(report_fd, STEP_SHM, 0);
  close(fd);
  fd = mount_in_root(rootfd, "/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  if (fd < 0) child_fail(report_fd, STEP_MQUEUE, 0);
  close(fd);
}

/* Binds `source` (a host path, or a /proc/self/fd link) on a file created at `path` in the root. */
static int bind_file(int rootfd, const char *path, const char *source, int readonly) {
  int target = root_create(rootfd, path, 1, O_PATH);
  if (target < 0) return -1;
  int rc = mount_at(source, target, NULL, MS_BIND, NULL);
  close(target);
  if (rc != 0 || !readonly) return rc;
  int top = root_open(rootfd, path, O_PATH);
  if (top < 0) return -1;
  rc = remount_readonly(top);
  close(top);
  return rc;
}

void rootfs_bind_console(int rootfd, int slave, int report_fd) {
  char slave_path[32];
  if (bind_file(rootfd, "/dev/console", fd_path(slave, slave_path), 0) != 0) child_fail(report_fd, STEP_CONSOLE, 0);
}

void rootfs_bind_init(int rootfd, const char *monitor_path, int report_fd) {
  if (bind_file(rootfd, "/dev/init", monitor_path, 1) != 0) child_fail(report_fd, STEP_INIT, 0);
}

/* Splits "ro,nosuid,size=64m" into mount flags and the filesystem's own options; `nofollow` (binds only)
 * is set when the options ask for a source without symlinks. Returns -1 (EINVAL) when `allow_data` is
 * false and an option is neither a flag nor nofollow. */
static int parse_options(const char *options, unsigned long *flags, unsigned long *propagation, int *nofollow, char *data,
                         size_t datalen, int allow_data) {
  enum { FLAG, PROPAGATION, NOFOLLOW };
  static const struct {
    const char *name;
    unsigned long flag;
    int kind;
  } known[] = {
      {"ro", MS_RDONLY, FLAG},        {"nosuid", MS_NOSUID, FLAG},   {"nodev", MS_NODEV, FLAG},
      {"noexec", MS_NOEXEC, FLAG},    {"rw", 0, FLAG},               {"rbind", 0, FLAG},
      {"private", MS_PRIVATE, PROPAGATION},  {"rprivate", MS_PRIVATE | MS_REC, PROPAGATION},
      {"shared", MS_SHARED, PROPAGATION},    {"rshared", MS_SHARED | MS_REC, PROPAGATION},
      {"slave", MS_SLAVE, PROPAGATION},      {"rslave", MS_SLAVE | MS_REC, PROPAGATION},
      {"nofollow", 0, NOFOLLOW},
  };
  size_t used = 0;
  data[0] = '\0';
  for (const char *opt = options; *opt != '\0';) {
    const char *end = strchrnul(opt, ',');
    size_t len = (size_t)(end - opt);
    int matched = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0] && !matched; i++) {
      if (strlen(known[i].name) != len || strncmp(opt, known[i].name, len) != 0) continue;
      matched = 1;
      if (known[i].kind == FLAG) *flags |= known[i].flag;
      else if (known[i].kind == PROPAGATION) *propagation |= known[i].flag;
      else if (nofollow != NULL) *nofollow = 1;
      else matched = 0;
    }
    if (!matched && len > 0) {
      if (!allow_data || used + len + 2 > datalen) {
        errno = EINVAL;
        return -1;
      }
      used += (size_t)snprintf(data + used, datalen - used, "%s%.*s", used ? "," : "", (int)len, opt);
    }
    opt = *end ? end + 1 : end;
  }
  return 0;
}

/* The bind source, opened once: its type is checked and it is mounted through this fd, so a rename or symlink
 * swap on the host between the two cannot change what gets mounted. Symlinks in the path are followed as
 * Docker follows them in a user's bind source, unless `nofollow` (a volume's directory or subpath, which a
 * container may have written): then any symlink on the way fails with ELOOP. */
static int open_source(const char *source, int nofollow) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = nofollow ? RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS : 0};
  return (int)syscall(SYS_openat2, AT_FDCWD, source, &how, sizeof how);
}

static int mount_bind(int rootfd, const struct mount_entry *m) {
  unsigned long flags = 0, propagation = 0;
  int nofollow = 0;
  char unused[8];
  if (parse_options(m->options, &flags, &propagation, &nofollow, unused, sizeof unused, 0) != 0) return -1;
  int source = open_source(m->source, nofollow);
  if (source < 0) return -1;
  struct stat st;
  int target = fstat(source, &st) == 0 ? root_create(rootfd, m->target, !S_ISDIR(st.st_mode), O_PATH) : -1;
  int rc = -1;
  if (target >= 0) {
    char source_path[32];
    rc = mount_at(fd_path(source, source_path), target, NULL, MS_BIND | MS_REC, NULL);
    close(target);
  }
  int saved = errno;
  close(source);
  errno = saved;
  if (rc != 0) return -1;
  int top = root_open(rootfd, m->target, O_PATH);
  if (top < 0) return -1;
  if (flags != 0) {
    /* Bind mounts ignore flags on creation; they take effect on a remount of the new mount. */
    struct statfs fs;
    rc = fstatfs(top, &fs);
    if (rc == 0) rc = mount_at(NULL, top, NULL, MS_BIND | MS_REMOUNT | flags | ((unsigned long)fs.f_flags & KEPT_FLAGS), NULL);
  }
  if (rc == 0 && propagation != 0) rc = mount_at(NULL, top, NULL, propagation, NULL);
  close(top);
  return rc;
}

static int mount_tmpfs(int rootfd, const struct mount_entry *m) {
  unsigned long flags = 0, propagation = 0;
  char data[256];
  if (parse_options(m->options, &flags, &propagation, NULL, data, sizeof data, 1) != 0) return -1;
  int top = mount_in_root(rootfd, m->target, "tmpfs", "tmpfs", flags, data);
  if (top < 0) return -1;
  close(top);
  return 0;
}

void rootfs_mount_user(const struct spec *s, int rootfd, int report_fd) {
  for (int i = 0; i < s->nmounts; i++) {
    const struct mount_entry *m = &s->mounts[i];
    if (m->kind == MOUNT_BIND && mount_bind(rootfd, m) != 0) child_fail(report_fd, STEP_BIND, i);
    if (m->kind == MOUNT_TMPFS && mount_tmpfs(rootfd, m) != 0) child_fail(report_fd, STEP_TMPFS, i);
  }
}

static int write_sysctl(int rootfd, const struct sysctl_entry *e) {
  char path[256];
  int len = snprintf(path, sizeof path, "/proc/sys/%s", e->name);
  if (len >= (int)sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (char *p = path + strlen("/proc/sys/"); *p; p++) {
    if (*p == '.') *p = '/';
  }
  int fd = root_open(rootfd, path, O_WRONLY);
  if (fd < 0) return -1;
  ssize_t written = write(fd, e->value, strlen(e->value));
  close(fd);
  return written < 0 ? -1 : 0;
}

/* Hides a file behind /dev/null, a directory behind an empty read-only tmpfs. Missing paths are fine. */
static int mask_path(int rootfd, const char *path) {
  int fd = root_open(rootfd, path, O_PATH);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  struct stat st;
  int rc = fstat(fd, &st);
  if (rc == 0 && S_ISDIR(st.st_mode)) rc = mount_at("tmpfs", fd, "tmpfs", MS_RDONLY, NULL);
  else if (rc == 0) rc = mount_at("/dev/null", fd, NULL, MS_BIND, NULL);
  close(fd);
  return rc;
}

static int readonly_path(int rootfd, const char *path) {
  int fd = root_open(rootfd, path, O_PATH);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  char self[32];
  int rc = mount_at(fd_path(fd, self), fd, NULL, MS_BIND | MS_REC, NULL);
  close(fd);
  if (rc != 0) return -1;
  int top = root_open(rootfd, path, O_PATH);
  if (top < 0) return -1;
  rc = remount_readonly(top);
  close(top);
  return rc;
}

void rootfs_protect(const struct spec *s, int rootfd, int report_fd) {
  for (int i = 0; i < s->nsysctls; i++) {
    if (write_sysctl(rootfd, &s->sysctls[i]) != 0) child_fail(report_fd, STEP_SYSCTL, i);
  }
  for (int i = 0; i < s->nmasked; i++) {
    if (mask_path(rootfd, s->masked[i]) != 0) child_fail(report_fd, STEP_MASK, i);
  }
  for (int i = 0; i < s->nreadonly_paths; i++) {
    if (readonly_path(rootfd, s->readonly_paths[i]) != 0) child_fail(report_fd, STEP_READONLY_PATH, i);
  }
}

void rootfs_enter(const struct spec *s, int rootfd, int report_fd) {
  if (s->cwd != NULL) {
    int fd = root_create(rootfd, s->cwd, 0, DIR_PATH);
    if (fd < 0) child_fail(report_fd, STEP_CWD, 0);
    close(fd);
  }
  if (s->readonly_rootfs && remount_readonly(rootfd) != 0) child_fail(report_fd, STEP_READONLY_ROOT, 0);
  /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only the new root. */
  if (fchdir(rootfd) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 ||
      chdir("/") != 0) {
    child_fail(report_fd, STEP_PIVOT, 0);
  }
  close(rootfd);
}
