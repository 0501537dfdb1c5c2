// Files the monitor publishes in its state directory (the working directory): written whole or not at all.
#pragma once
#include <stddef.h>

/* Writes `name` via a temporary file and rename(2), so readers never see a partial file. */
int write_file_atomic(const char *name, const char *data, size_t len);

/* Current UTC time as RFC 3339 with nanoseconds, e.g. 2026-11-30T17:00:00.123456789Z (Docker's log format). */
void format_now(char out[64]);
