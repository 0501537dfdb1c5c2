#include "state.h"

#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int write_file_atomic(const char *name, const char *data, size_t len) {
  char tmp[256];
  snprintf(tmp, sizeof tmp, ".%s.tmp", name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  ssize_t written = write(fd, data, len);
  if (close(fd) != 0 || written != (ssize_t)len) {
    unlink(tmp);
    return -1;
  }
  return rename(tmp, name);
}

void format_now(char out[64]) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec, ts.tv_nsec);
}
