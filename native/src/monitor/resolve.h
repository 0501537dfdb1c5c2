// Paths inside a container root that symlinks cannot escape, and $PATH lookup.
#pragma once
#include <stddef.h>

/* Opens `path` resolved inside the directory `rootfd` (RESOLVE_IN_ROOT: "..", absolute symlinks
 * and magic links stay inside). Returns an fd or -1 with errno. */
int root_open(int rootfd, const char *path, int flags);

/* Like root_open, but first creates what is missing: parent directories, then the last component
 * as a directory or, when `as_file`, an empty file (a mount point for a file bind). */
int root_create(int rootfd, const char *path, int as_file, int flags);

/* "/proc/self/fd/N": lets mount(2) act on exactly the object an fd was resolved to. */
const char *fd_path(int fd, char buf[32]);

/* Resolves `name` as execvp would, using PATH from `env` (or the default PATH), into `out`.
 * Returns 0, or -1 with errno (ENOENT when no executable is found). */
int lookup_executable(const char *name, const char *const env[], char *out, size_t len);
