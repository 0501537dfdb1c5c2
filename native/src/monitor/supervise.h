// The monitor's event loop while the container runs: output to the log and attach clients, client
// input to stdin, reaping. Returns when the container has exited and its output is drained.
#pragma once
#include "fail.h"

struct supervised {
  pid_t pid;
  int sigchld_fd;  /* signalfd for SIGCHLD */
  int stdout_fd;   /* pipe, or the pty master with a TTY */
  int stderr_fd;   /* pipe, or -1 with a TTY */
  int stdin_fd;    /* pipe, the pty master, or -1 without OpenStdin */
  int tty;
  int log_fd;      /* container.log, or -1 (exec mode) */
  int report_fd;   /* still open when the gate was held: execve failures arrive here */
  int gate_fd;     /* write end while the container waits for FRAME_START, else -1 */
};

/* Returns the container's wait status; `late_failure->step` is set (not STEP_READY) when execve failed. */
int supervise(struct supervised *c, struct child_report *late_failure);
