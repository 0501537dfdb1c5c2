// Capability names and applying a capability set to the calling process.
#pragma once
#include <stdint.h>

/* Capability number for "CAP_CHOWN" or "CHOWN" (any case), or -1. */
int cap_from_name(const char *name);

/* Drops every capability outside `caps` from the bounding set (0..last_cap). Returns -1 with errno. */
int caps_drop_bounding(uint64_t caps, int last_cap);

/* Sets effective and permitted to `caps` (as far as we hold them), clears inheritable and ambient. */
int caps_set(uint64_t caps);
