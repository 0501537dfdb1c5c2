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
  /* With the gate held: execve's outcome, once it arrives on report_fd; returns the failure message, or NULL. */
  const char *(*exec_outcome)(const struct child_report *report);
};

/* Returns the container's wait status. */
int supervise(struct supervised *c);
