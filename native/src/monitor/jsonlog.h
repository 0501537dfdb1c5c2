// container.log in Docker's json-file format: one {"log","stream","time"} object per line of output.
#pragma once
#include <stddef.h>

/* Docker splits lines longer than this into several entries (the last of a line ends in "\n"). */
#define JSONLOG_MAX_LINE 16384

struct log_stream {
  const char *name; /* "stdout" or "stderr" */
  char line[JSONLOG_MAX_LINE];
  size_t len;
};

/* Appends output to the stream; every completed line (or full buffer) becomes one entry in `fd`. */
void jsonlog_write(int fd, struct log_stream *stream, const char *data, size_t len);

/* Writes a trailing partial line, if any (at EOF). */
void jsonlog_flush(int fd, struct log_stream *stream);
