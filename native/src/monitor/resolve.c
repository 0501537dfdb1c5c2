#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Docker's default when the image sets no PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int root_open(int rootfd, const char *path, int flags) {
  struct open_how how = {
      .flags = (unsigned long long)(flags | O_CLOEXEC),
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

int root_create(int rootfd, const char *path, int as_file, int flags) {
  int fd = root_open(rootfd, path, flags);
  if (fd >= 0 || errno != ENOENT) return fd;

  char parent_path[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof parent_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(parent_path, path, len + 1);
  while (len > 1 && parent_path[len - 1] == '/') parent_path[--len] = '\0';
  char *slash = strrchr(parent_path, '/');
  const char *name = slash != NULL ? slash + 1 : parent_path;
  if (slash != NULL) *slash = '\0';
  int parent = root_create(rootfd, slash == parent_path ? "/" : (slash != NULL ? parent_path : "."), 0, O_PATH);
  if (parent < 0) return -1;

  int rc;
  if (as_file) {
    rc = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (rc >= 0) close(rc);
  } else {
    rc = mkdirat(parent, name, 0755);
  }
  int saved = errno;
  close(parent);
  /* EEXIST: a symlink or a concurrent creation; root_open below resolves it inside the root. */
  if (rc < 0 && saved != EEXIST) {
    errno = saved;
    return -1;
  }
  return root_open(rootfd, path, flags);
}

const char *fd_path(int fd, char buf[32]) {
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

static int is_executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int lookup_executable(const char *name, const char *const env[], char *out, size_t len) {
  if (strchr(name, '/') != NULL) {
    struct stat st;
    if (stat(name, &st) != 0) return -1;
    snprintf(out, len, "%s", name);
    return 0;
  }
  const char *search = DEFAULT_PATH;
  for (int i = 0; env[i] != NULL; i++) {
    if (strncmp(env[i], "PATH=", 5) == 0) search = env[i] + 5;
  }
  for (const char *dir = search;; dir++) {
    const char *end = strchrnul(dir, ':');
    int dirlen = (int)(end - dir);
    /* An empty PATH entry means the working directory. */
    if (dirlen == 0) snprintf(out, len, "%s", name);
    else snprintf(out, len, "%.*s/%s", dirlen, dir, name);
    if (is_executable(out)) return 0;
    if (*end == '\0') break;
    dir = end;
  }
  errno = ENOENT;
  return -1;
}
