// The container's filesystem, built in the run-mode child before pivot_root. Each function
// reports its failure through child_fail and does not return then.
#pragma once
#include "spec.h"

/* Mounts the overlay on spec->rootfs and returns an O_PATH fd of its root. */
int rootfs_mount_overlay(const struct spec *s, const char *options, int report_fd);

/* /proc, /sys (read-only), and a private /dev with the standard nodes, pts, shm and mqueue. */
void rootfs_mount_system(const struct spec *s, int rootfd, int report_fd);

/* Binds the pty slave on /dev/console. */
void rootfs_bind_console(int rootfd, int slave, int report_fd);

/* Binds `monitor_path` (this executable), read-only, on /dev/init (for spec init=1). */
void rootfs_bind_init(int rootfd, const char *monitor_path, int report_fd);

/* The spec's bind and tmpfs mounts in the spec's order, targets resolved inside the root. */
void rootfs_mount_user(const struct spec *s, int rootfd, int report_fd);

/* Sysctls, then masked paths and read-only paths (Docker's /proc and /sys protections). */
void rootfs_protect(const struct spec *s, int rootfd, int report_fd);

/* Creates the working directory, makes the root read-only if asked, and pivots into it. */
void rootfs_enter(const struct spec *s, int rootfd, int report_fd);
